package release

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// verdict is what a described service says about the deployment followed.
type verdict int

const (
	// inProgress: not over yet.
	inProgress verdict = iota
	// completed: the deployment is COMPLETED, runs its desired count, no
	// older deployment remains and the service is still set to its revision.
	completed
	// breakerRollback: the deployment FAILED and ECS (the circuit breaker
	// with rollback) started a deployment back to an earlier revision.
	breakerRollback
	// rolloutFailed: the deployment FAILED and nothing rolls it back
	// (circuit breaker without rollback).
	rolloutFailed
	// superseded: another deployment replaced the one followed, not a
	// circuit-breaker rollback (another pipeline, a person in the console).
	superseded
)

func (v verdict) String() string {
	return [...]string{"in progress", "completed", "rolled back by the circuit breaker", "failed", "superseded"}[v]
}

// judgement is a verdict and what it rests on.
type judgement struct {
	verdict verdict
	// reason explains a failure in ECS's words (rolloutStateReason, or the
	// deployment that replaced the one followed).
	reason string
	// next is the deployment that replaced the one followed (breakerRollback, superseded).
	next *Deployment
}

// judge decides how the deployment followID (which runs taskDef) stands in
// svc. It is pure: the same service gives the same judgement.
func judge(svc types.Service, followID, taskDef string) judgement {
	follow, others := snapshotDeployments(svc, followID)
	var primary *Deployment
	for i := range others {
		if others[i].Status == "PRIMARY" {
			primary = &others[i]
		}
	}
	if follow == nil {
		// Gone. ECS drops a deployment from the list once a newer one has
		// replaced it and its tasks are gone; events tell whether the
		// circuit breaker did it.
		j := judgement{verdict: superseded, next: primary, reason: "deployment " + followID + " was replaced by another deployment"}
		if primary != nil {
			j.reason += " (" + primary.ID + ", " + familyRevision(primary.TaskDefinition) + ")"
		}
		if msg := breakerEvent(svc, followID); msg != "" {
			j.verdict, j.reason = breakerRollback, msg
			if _, after, ok := strings.Cut(msg, "deployment failed: "); ok {
				j.reason = "ECS deployment circuit breaker: " + after
			}
		}
		return j
	}
	if follow.RolloutState == string(types.DeploymentRolloutStateFailed) {
		reason := follow.Reason
		if reason == "" {
			reason = "rollout FAILED"
		}
		if primary != nil {
			return judgement{verdict: breakerRollback, reason: reason, next: primary}
		}
		// Still PRIMARY: no rollback is coming (the breaker rolls back in
		// the same step it fails a deployment, or has nothing to roll back to).
		return judgement{verdict: rolloutFailed, reason: reason}
	}
	if follow.Status != "PRIMARY" {
		j := judgement{verdict: superseded, next: primary, reason: "deployment " + followID + " was replaced by another deployment"}
		if primary != nil {
			j.reason += " (" + primary.ID + ", " + familyRevision(primary.TaskDefinition) + ")"
		}
		return j
	}
	done := follow.Running == follow.Desired && len(others) == 0 && aws.ToString(svc.TaskDefinition) == taskDef
	switch follow.RolloutState {
	case string(types.DeploymentRolloutStateCompleted):
		if done {
			return judgement{verdict: completed}
		}
	case "":
		// Services without rollout states (very old ones): steady is done.
		if done && follow.Pending == 0 && svc.RunningCount == svc.DesiredCount {
			return judgement{verdict: completed}
		}
	}
	return judgement{verdict: inProgress}
}

// breakerEvent returns the service event saying the circuit breaker failed
// or rolled back deployment id, or "".
func breakerEvent(svc types.Service, id string) string {
	for _, e := range svc.Events {
		m := aws.ToString(e.Message)
		if !strings.Contains(m, id) {
			continue
		}
		l := strings.ToLower(m)
		if strings.Contains(l, "circuit breaker") || strings.Contains(l, "rolling back") || strings.Contains(l, "deployment failed") {
			return m
		}
	}
	return ""
}

// busy reports whether svc has a deployment in flight: more than one
// deployment, or a primary still IN_PROGRESS.
func busy(svc types.Service) (bool, *Deployment) {
	for _, d := range svc.Deployments {
		dep := deploymentOf(d)
		if dep.Status == "PRIMARY" && (len(svc.Deployments) > 1 || dep.RolloutState == string(types.DeploymentRolloutStateInProgress)) {
			return true, &dep
		}
	}
	return false, nil
}

// primaryOf returns the PRIMARY deployment of svc, or nil.
func primaryOf(svc types.Service) *Deployment {
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			dep := deploymentOf(d)
			return &dep
		}
	}
	return nil
}
