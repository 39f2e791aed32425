package httpapi

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the request metrics of one root handler, registered on the
// server's own registry (never the global one, so that several servers can
// live in one test process).
type metrics struct {
	requests      *prometheus.CounterVec
	requestBytes  *prometheus.CounterVec
	responseBytes *prometheus.CounterVec
	duration      *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "koss", Subsystem: "http", Name: "requests_total",
			Help: "Requests by API (oss, admin, internal), operation and HTTP status.",
		}, []string{"api", "operation", "status"}),
		requestBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "koss", Subsystem: "http", Name: "request_bytes_total",
			Help: "Request body bytes received, by API and operation.",
		}, []string{"api", "operation"}),
		responseBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "koss", Subsystem: "http", Name: "response_bytes_total",
			Help: "Response body bytes sent, by API and operation.",
		}, []string{"api", "operation"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "koss", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from receiving a request to finishing its response, by API and operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"api", "operation"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.requestBytes, m.responseBytes, m.duration} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) observe(api, op string, status int, reqBytes, respBytes int64, d time.Duration) {
	m.requests.WithLabelValues(api, op, strconv.Itoa(status)).Inc()
	if reqBytes > 0 {
		m.requestBytes.WithLabelValues(api, op).Add(float64(reqBytes))
	}
	if respBytes > 0 {
		m.responseBytes.WithLabelValues(api, op).Add(float64(respBytes))
	}
	m.duration.WithLabelValues(api, op).Observe(d.Seconds())
}
