package main

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/backendkit/backendkit/shortener"
)

// metrics are the service's Prometheus metrics, on a registry of its own
// so that two instances in one test process do not collide.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	refusals    *prometheus.CounterVec
	storeErrors prometheus.Counter
	// lookups counts the redirects that asked the cache.
	lookups atomic.Uint64
}

func newMetrics(svc *shortener.Service, be *backend) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "urlshortener_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "urlshortener_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "urlshortener_ratelimit_refusals_total",
			Help: "Requests refused by a rate limit (429), or because the limiter failed (503), by policy.",
		}, []string{"policy", "code"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "urlshortener_store_errors_total",
			Help: "Requests that failed because the database did not answer.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.refusals, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&cacheCollector{svc: svc, lookups: &m.lookups})
	for _, d := range be.dbs {
		m.reg.MustRegister(collectors.NewDBStatsCollector(d.db, d.name))
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe counts a request and its latency.
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// cacheCollector exports the read-through cache's counts at each scrape.
type cacheCollector struct {
	svc     *shortener.Service
	lookups *atomic.Uint64
}

var (
	cacheLookupsDesc = prometheus.NewDesc("urlshortener_cache_lookups_total",
		"Redirects that asked the cache for their code.", nil, nil)
	cacheHitsDesc = prometheus.NewDesc("urlshortener_cache_hits_total",
		"Lookups answered with a live link from the cache (local or Redis) without reading the database: lookups less loaded, negative, stale and failed answers.", nil, nil)
	cacheMissesDesc = prometheus.NewDesc("urlshortener_cache_misses_total",
		"Reads of the database on a cache miss (one per code at a time, however many redirects missed it).", nil, nil)
	cacheResultsDesc = prometheus.NewDesc("urlshortener_cache_results_total",
		"Lookups by what the cache answered other than a hit: loaded from the database, negative (unknown code, cached or loaded), stale (served past freshness while the database failed), failed.", []string{"result"}, nil)
	cacheTierErrorsDesc = prometheus.NewDesc("urlshortener_cache_tier_errors_total",
		"Errors from the cache tier (Redis).", nil, nil)
)

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cacheLookupsDesc
	ch <- cacheHitsDesc
	ch <- cacheMissesDesc
	ch <- cacheResultsDesc
	ch <- cacheTierErrorsDesc
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.svc.CacheStats()
	lookups := c.lookups.Load()
	others := s.Loaded + s.Negative + s.Stale + s.Failed
	var hits uint64
	if lookups > others { // the counts are read one by one, not at one instant
		hits = lookups - others
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(cacheLookupsDesc, lookups)
	counter(cacheHitsDesc, hits)
	counter(cacheMissesDesc, s.LoaderCalls)
	counter(cacheResultsDesc, s.Loaded, "loaded")
	counter(cacheResultsDesc, s.Negative, "negative")
	counter(cacheResultsDesc, s.Stale, "stale")
	counter(cacheResultsDesc, s.Failed, "failed")
	counter(cacheTierErrorsDesc, s.TierErrors)
}
