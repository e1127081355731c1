package redisstore

// Keys returns the names of code's link and reservation keys.
func (s *Store) Keys(code string) (link, reservation string) {
	return s.key(code, 'l'), s.key(code, 'r')
}

// RecentKey returns the name of the recent list.
func (s *Store) RecentKey() string { return s.recent }
