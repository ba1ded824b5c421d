package awssim

import "net/http"

// schedulerState holds EventBridge Scheduler schedules and groups.
type schedulerState struct{}

func (s *Server) registerScheduler() {}

func (s *Server) serveScheduler(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "scheduler not implemented", http.StatusNotImplemented)
}
