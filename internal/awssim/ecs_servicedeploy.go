package awssim

import (
	"slices"
	"strings"
	"time"
)

// Service deployments (ListServiceDeployments, DescribeServiceDeployments):
// the newer, per-rollout view of what DescribeServices shows as deployments.
// Each deployment the scheduler starts gets a record that outlives it.

// maxServiceDeployments bounds the history kept per service.
const maxServiceDeployments = 100

type serviceDeployment struct {
	arn           string
	dep           *ecsDeployment
	source        *ecsDeployment // what the service ran before
	revisionArn   string
	sourceRevArn  string
	createdAt     time.Time
	finishedAt    time.Time
	stoppedAt     time.Time
	updatedAt     time.Time
	status        string
	statusReason  string
	config        deploymentConfig
	rollbackAt    time.Time
	rollbackTo    string // service revision ARN rolled back to
	breakerStatus string
}

func (s *Server) recordDeploymentStart(svc *ecsService, d *ecsDeployment, previous *ecsDeployment) {
	rec := &serviceDeployment{
		arn: s.arn("ecs", "service-deployment/"+svc.cluster.name+"/"+svc.name+"/"+s.hexID(22)), dep: d,
		source: previous, revisionArn: s.arn("ecs", "service-revision/"+svc.cluster.name+"/"+svc.name+"/"+s.digitID(19)),
		createdAt: s.now(), updatedAt: s.now(), status: "IN_PROGRESS", config: svc.config, breakerStatus: "DISABLED",
	}
	if svc.breaker().Enable {
		rec.breakerStatus = "MONITORING"
	}
	if previous != nil && previous.record != nil {
		rec.sourceRevArn = previous.record.revisionArn
		if previous.record.status == "IN_PROGRESS" {
			previous.record.status = "STOPPED"
			previous.record.statusReason = "Service deployment stopped because a newer service deployment started."
			previous.record.stoppedAt, previous.record.updatedAt = s.now(), s.now()
		}
	}
	d.record = rec
	svc.history = append([]*serviceDeployment{rec}, svc.history...)
	if len(svc.history) > maxServiceDeployments {
		svc.history = svc.history[:maxServiceDeployments]
	}
}

// recordDeploymentEnd notes how a deployment's rollout ended. An empty
// status marks a rollback that has now completed.
func (s *Server) recordDeploymentEnd(svc *ecsService, d *ecsDeployment, status, reason string) {
	rec := d.record
	if rec == nil {
		return
	}
	switch {
	case status == "" && rec.status == "ROLLBACK_IN_PROGRESS":
		rec.status, rec.finishedAt = "ROLLBACK_SUCCESSFUL", s.now()
	case status == "SUCCESSFUL" && rec.status == "IN_PROGRESS":
		rec.status, rec.finishedAt = status, s.now()
		if rec.breakerStatus == "MONITORING" {
			rec.breakerStatus = "MONITORING_COMPLETE"
		}
	case status != "" && status != "SUCCESSFUL":
		rec.status, rec.statusReason, rec.stoppedAt = status, reason, s.now()
		rec.breakerStatus = "TRIGGERED"
	default:
		return
	}
	rec.updatedAt = s.now()
}

func (s *Server) recordRollback(svc *ecsService, failed, target *ecsDeployment) {
	if rec := failed.record; rec != nil {
		rec.status, rec.breakerStatus = "ROLLBACK_IN_PROGRESS", "TRIGGERED"
		rec.statusReason = "Service deployment rolled back because the circuit breaker threshold was exceeded."
		rec.rollbackAt, rec.updatedAt = s.now(), s.now()
		if target.record != nil {
			rec.rollbackTo = target.record.revisionArn
		}
	}
}

type serviceDeploymentBrief struct {
	ServiceDeploymentArn     string `json:"serviceDeploymentArn"`
	ServiceArn               string `json:"serviceArn"`
	ClusterArn               string `json:"clusterArn"`
	CreatedAt                *Epoch `json:"createdAt,omitempty"`
	StartedAt                *Epoch `json:"startedAt,omitempty"`
	FinishedAt               *Epoch `json:"finishedAt,omitempty"`
	TargetServiceRevisionArn string `json:"targetServiceRevisionArn"`
	Status                   string `json:"status"`
	StatusReason             string `json:"statusReason,omitempty"`
}

func (s *Server) ecsListServiceDeployments(c *jsonCall) (any, error) {
	var in struct {
		Service   string   `json:"service"`
		Cluster   string   `json:"cluster"`
		Status    []string `json:"status"`
		CreatedAt *struct {
			Before *Epoch `json:"before"`
			After  *Epoch `json:"after"`
		} `json:"createdAt"`
		NextToken  string `json:"nextToken"`
		MaxResults int    `json:"maxResults"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	svc := s.lookupService(cl, in.Service)
	if svc == nil {
		return nil, badRequest("ServiceNotFoundException", "Service not found.")
	}
	var recs []*serviceDeployment
	for _, r := range svc.history {
		if len(in.Status) > 0 && !slices.Contains(in.Status, r.status) {
			continue
		}
		if in.CreatedAt != nil && (in.CreatedAt.Before != nil && !r.createdAt.Before(time.Time(*in.CreatedAt.Before)) ||
			in.CreatedAt.After != nil && !r.createdAt.After(time.Time(*in.CreatedAt.After))) {
			continue
		}
		recs = append(recs, r)
	}
	start, end, next, err := pageBounds(len(recs), in.NextToken, in.MaxResults, 20, 100)
	if err != nil {
		return nil, err
	}
	out := []serviceDeploymentBrief{}
	for _, r := range recs[start:end] {
		out = append(out, serviceDeploymentBrief{
			ServiceDeploymentArn: r.arn, ServiceArn: svc.arn, ClusterArn: cl.arn,
			CreatedAt: epochPtr(r.createdAt), StartedAt: epochPtr(r.createdAt), FinishedAt: epochPtr(r.finishedAt),
			TargetServiceRevisionArn: r.revisionArn, Status: r.status, StatusReason: r.statusReason,
		})
	}
	return map[string]any{"serviceDeployments": out, "nextToken": optStr(next)}, nil
}

type serviceRevisionSummary struct {
	Arn                string `json:"arn"`
	RequestedTaskCount int    `json:"requestedTaskCount"`
	RunningTaskCount   int    `json:"runningTaskCount"`
	PendingTaskCount   int    `json:"pendingTaskCount"`
}

func (s *Server) ecsDescribeServiceDeployments(c *jsonCall) (any, error) {
	var in struct {
		ServiceDeploymentArns []string `json:"serviceDeploymentArns"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	out := []map[string]any{}
	failures := []ecsFailure{}
	for _, arn := range in.ServiceDeploymentArns {
		svc, rec := s.findServiceDeployment(arn)
		if rec == nil {
			failures = append(failures, ecsFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out = append(out, s.serviceDeploymentView(svc, rec))
	}
	return map[string]any{"serviceDeployments": out, "failures": failures}, nil
}

func (s *Server) findServiceDeployment(arn string) (*ecsService, *serviceDeployment) {
	parts := strings.Split(lastSegmentAfter(arn, ":service-deployment/"), "/")
	if len(parts) != 3 {
		return nil, nil
	}
	cl := s.ecs.clusters[parts[0]]
	if cl == nil || cl.services[parts[1]] == nil {
		return nil, nil
	}
	svc := cl.services[parts[1]]
	for _, r := range svc.history {
		if r.arn == arn {
			return svc, r
		}
	}
	return nil, nil
}

func (s *Server) serviceDeploymentView(svc *ecsService, r *serviceDeployment) map[string]any {
	summary := func(d *ecsDeployment, arn string) serviceRevisionSummary {
		out := serviceRevisionSummary{Arn: arn}
		if d == nil {
			return out
		}
		for _, t := range d.liveTasks() {
			out.RequestedTaskCount++
			switch t.lastStatus {
			case "RUNNING":
				out.RunningTaskCount++
			case "PROVISIONING", "PENDING", "ACTIVATING":
				out.PendingTaskCount++
			}
		}
		if d.status == "PRIMARY" {
			out.RequestedTaskCount = svc.desiredCount
		}
		return out
	}
	out := map[string]any{
		"serviceDeploymentArn":    r.arn,
		"serviceArn":              svc.arn,
		"clusterArn":              svc.cluster.arn,
		"createdAt":               Epoch(r.createdAt),
		"startedAt":               Epoch(r.createdAt),
		"updatedAt":               Epoch(r.updatedAt),
		"targetServiceRevision":   summary(r.dep, r.revisionArn),
		"sourceServiceRevisions":  []serviceRevisionSummary{},
		"status":                  r.status,
		"deploymentConfiguration": r.config,
		"deploymentCircuitBreaker": map[string]any{
			"status": r.breakerStatus, "failureCount": r.dep.failedTasks, "threshold": svc.failureThreshold(),
		},
	}
	if r.sourceRevArn != "" {
		out["sourceServiceRevisions"] = []serviceRevisionSummary{summary(r.source, r.sourceRevArn)}
	}
	if r.statusReason != "" {
		out["statusReason"] = r.statusReason
	}
	if !r.finishedAt.IsZero() {
		out["finishedAt"] = Epoch(r.finishedAt)
	}
	if !r.stoppedAt.IsZero() {
		out["stoppedAt"] = Epoch(r.stoppedAt)
	}
	if !r.rollbackAt.IsZero() {
		out["rollback"] = map[string]any{
			"reason": "Rolled back by the deployment circuit breaker.", "startedAt": Epoch(r.rollbackAt),
			"serviceRevisionArn": r.rollbackTo,
		}
	}
	return out
}
