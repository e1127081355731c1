package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/backendkit/backendkit/shortener"
)

var _ shortener.Portable = (*Store)(nil)

// Export calls fn with every record, tombstones included, reading the
// table in pages by code so that fn may call the store and no query holds
// the table for long.
func (s *Store) Export(ctx context.Context, fn func(shortener.Record) error) error {
	if err := s.check(); err != nil {
		return err
	}
	const page = 500
	after := ""
	q := s.bind(`SELECT code, url, created_us, expires_us, deleted_us, clicks FROM links WHERE code > ? ORDER BY code LIMIT ?`)
	for {
		batch, err := s.exportPage(ctx, q, after, page)
		if err != nil {
			return err
		}
		for _, r := range batch {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
		after = batch[len(batch)-1].Link.Code
	}
}

func (s *Store) exportPage(ctx context.Context, q, after string, page int) ([]shortener.Record, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, q, after, page)
	if err != nil {
		return nil, unavailable("export", err)
	}
	defer rows.Close()
	var out []shortener.Record
	for rows.Next() {
		var (
			r                shortener.Record
			created          int64
			expires, deleted sql.NullInt64
		)
		if err := rows.Scan(&r.Link.Code, &r.Link.URL, &created, &expires, &deleted, &r.Clicks); err != nil {
			return nil, unavailable("export", err)
		}
		r.Link.CreatedAt = time.UnixMicro(created).UTC()
		r.Link.ExpiresAt = fromMicros(expires)
		r.Deleted = deleted.Valid
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("export", err)
	}
	return out, nil
}

// Import stores r as it was, if its code was never used here.
func (s *Store) Import(ctx context.Context, r shortener.Record) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := r.Check(); err != nil {
		return fmt.Errorf("sqlstore: import %q: %w", r.Link.Code, err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var deleted any
	if r.Deleted {
		deleted = s.now().UnixMicro()
	}
	res, err := s.db.ExecContext(ctx, s.bind(`INSERT INTO links (code, url, created_us, expires_us, deleted_us, clicks) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`),
		r.Link.Code, r.Link.URL, r.Link.CreatedAt.UnixMicro(), micros(r.Link.ExpiresAt), deleted, r.Clicks)
	if err != nil {
		return unavailable("import "+strconv.Quote(r.Link.Code), err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return unavailable("import "+strconv.Quote(r.Link.Code), err)
	} else if n == 0 {
		return fmt.Errorf("%w: %q", shortener.ErrCodeTaken, r.Link.Code)
	}
	return nil
}

// Purge deletes code's row, tombstone included.
func (s *Store) Purge(ctx context.Context, code string) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := shortener.CheckCode(code); err != nil {
		return fmt.Errorf("sqlstore: purge: %w", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM links WHERE code = ?`), code); err != nil {
		return unavailable("purge "+strconv.Quote(code), err)
	}
	return nil
}

// Record returns code's record, live or not.
func (s *Store) Record(ctx context.Context, code string) (shortener.Record, error) {
	if err := s.check(); err != nil {
		return shortener.Record{}, err
	}
	if err := shortener.CheckCode(code); err != nil {
		return shortener.Record{}, fmt.Errorf("sqlstore: record: %w", err)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var (
		r                shortener.Record
		created          int64
		expires, deleted sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, s.bind(`SELECT url, created_us, expires_us, deleted_us, clicks FROM links WHERE code = ?`), code).
		Scan(&r.Link.URL, &created, &expires, &deleted, &r.Clicks)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: %q", shortener.ErrNotFound, code)
	}
	if err != nil {
		return r, unavailable("record "+strconv.Quote(code), err)
	}
	r.Link.Code = code
	r.Link.CreatedAt = time.UnixMicro(created).UTC()
	r.Link.ExpiresAt = fromMicros(expires)
	r.Deleted = deleted.Valid
	return r, nil
}
