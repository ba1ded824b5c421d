package awssim

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

func ecsWantError(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Errorf("%s: got %v, want %s: %s", what, err, code, msg)
	}
}

func TestClusters(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("main")
	f.createCluster("main") // idempotent
	f.createCluster("batch")
	list, err := f.ecs.ListClusters(f.ctx, &ecs.ListClustersInput{})
	if err != nil || len(list.ClusterArns) != 2 {
		t.Fatalf("ListClusters: %v %v", list, err)
	}
	d, err := f.ecs.DescribeClusters(f.ctx, &ecs.DescribeClustersInput{Clusters: []string{"main", "nope"}})
	if err != nil || len(d.Clusters) != 1 || aws.ToString(d.Clusters[0].Status) != "ACTIVE" ||
		len(d.Failures) != 1 || aws.ToString(d.Failures[0].Reason) != "MISSING" ||
		aws.ToString(d.Failures[0].Arn) != "arn:aws:ecs:us-east-1:123456789012:cluster/nope" {
		t.Fatalf("DescribeClusters: %+v %v", d, err)
	}
	td := f.registerWeb("web", "nginx:1")
	f.createService("main", "web", td, serviceOpts{desired: 1})
	_, err = f.ecs.DeleteCluster(f.ctx, &ecs.DeleteClusterInput{Cluster: aws.String("main")})
	ecsWantError(t, "deleting a cluster with a service", err, "ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")
	if _, err := f.ecs.DeleteCluster(f.ctx, &ecs.DeleteClusterInput{Cluster: aws.String("batch")}); err != nil {
		t.Fatalf("DeleteCluster: %v", err)
	}
	d, _ = f.ecs.DescribeClusters(f.ctx, &ecs.DescribeClustersInput{Clusters: []string{"batch"}})
	if aws.ToString(d.Clusters[0].Status) != "INACTIVE" {
		t.Errorf("deleted cluster is %s", aws.ToString(d.Clusters[0].Status))
	}
	_, err = f.ecs.ListServices(f.ctx, &ecs.ListServicesInput{Cluster: aws.String("batch")})
	ecsWantError(t, "listing services of a deleted cluster", err, "ClusterNotFoundException", "Cluster not found.")
}

func TestCreateServiceValidation(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("main")
	td := f.registerWeb("web", "nginx:1")
	tg := f.createTargetGroup("web", -1)
	inst, err := f.elb.CreateTargetGroup(f.ctx, &elb.CreateTargetGroupInput{Name: aws.String("inst"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), VpcId: aws.String("vpc-1")})
	if err != nil {
		t.Fatalf("CreateTargetGroup: %v", err)
	}
	instArn := aws.ToString(inst.TargetGroups[0].TargetGroupArn)
	base := func() *ecs.CreateServiceInput {
		return &ecs.CreateServiceInput{Cluster: aws.String("main"), ServiceName: aws.String("web"), TaskDefinition: aws.String(td),
			DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
			NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}}
	}
	lb := func(arn string, name string, port int32) []ecstypes.LoadBalancer {
		return []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(arn), ContainerName: aws.String(name), ContainerPort: aws.Int32(port)}}
	}
	cases := []struct {
		name, code, msg string
		mutate          func(*ecs.CreateServiceInput)
	}{
		{"no network", "InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
			func(in *ecs.CreateServiceInput) { in.NetworkConfiguration = nil }},
		{"unknown task definition", "InvalidParameterException", "TaskDefinition not found.",
			func(in *ecs.CreateServiceInput) { in.TaskDefinition = aws.String("web:7") }},
		{"unknown target group", "InvalidParameterException", "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.",
			func(in *ecs.CreateServiceInput) { in.LoadBalancers = lb(tg+"x", "web", 80) }},
		{"instance target group", "InvalidParameterException", "The provided target group " + instArn + " has target type instance, which is incompatible with the awsvpc network mode specified in the task definition.",
			func(in *ecs.CreateServiceInput) { in.LoadBalancers = lb(instArn, "web", 80) }},
		{"unknown container", "InvalidParameterException", "The container api does not exist in the task definition.",
			func(in *ecs.CreateServiceInput) { in.LoadBalancers = lb(tg, "api", 80) }},
		{"unmapped port", "InvalidParameterException", "The container web did not have a container port 8080 defined.",
			func(in *ecs.CreateServiceInput) { in.LoadBalancers = lb(tg, "web", 8080) }},
		{"grace without load balancer", "InvalidParameterException", "Health check grace period is only valid for services configured to use load balancers",
			func(in *ecs.CreateServiceInput) { in.HealthCheckGracePeriodSeconds = aws.Int32(60) }},
		{"unknown cluster", "ClusterNotFoundException", "Cluster not found.",
			func(in *ecs.CreateServiceInput) { in.Cluster = aws.String("nope") }},
	}
	for _, tc := range cases {
		in := base()
		tc.mutate(in)
		_, err := f.ecs.CreateService(f.ctx, in)
		ecsWantError(t, tc.name, err, tc.code, tc.msg)
	}
	if _, err := f.ecs.CreateService(f.ctx, base()); err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	_, err = f.ecs.CreateService(f.ctx, base())
	ecsWantError(t, "creating it twice", err, "InvalidParameterException", "Creation of service was not idempotent.")
	_, err = f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String("api")})
	ecsWantError(t, "updating a missing service", err, "ServiceNotFoundException", "Service not found.")
}

// Services page, describe with failures and tags, take tags, scale without
// a new deployment, and are deleted through DRAINING to INACTIVE.
func TestServiceLifecycle(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("main")
	td := f.registerWeb("web", "nginx:1")
	for i := 0; i < 12; i++ {
		f.createService("main", fmt.Sprintf("svc-%02d", i), td, serviceOpts{desired: 0})
	}
	var arns []string
	p := ecs.NewListServicesPaginator(f.ecs, &ecs.ListServicesInput{Cluster: aws.String("main")})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(f.ctx)
		if err != nil {
			t.Fatalf("ListServices: %v", err)
		}
		pages++
		arns = append(arns, page.ServiceArns...)
	}
	if pages != 2 || len(arns) != 12 {
		t.Fatalf("ListServices: %d pages, %d services; want the default page of 10", pages, len(arns))
	}
	d, err := f.ecs.DescribeServices(f.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("main"),
		Services: []string{arns[0], "svc-01", "nope"}, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
	if err != nil || len(d.Services) != 2 || len(d.Failures) != 1 || aws.ToString(d.Failures[0].Reason) != "MISSING" ||
		aws.ToString(d.Failures[0].Arn) != "arn:aws:ecs:us-east-1:123456789012:service/main/nope" || len(d.Services[0].Tags) != 1 {
		t.Fatalf("DescribeServices: %+v %v", d, err)
	}
	if noTags := f.describeService("main", "svc-01"); len(noTags.Tags) != 0 {
		t.Errorf("tags without include=TAGS: %v", noTags.Tags)
	}
	svc := d.Services[0]
	if dc := svc.DeploymentConfiguration; aws.ToInt32(dc.MaximumPercent) != 200 || aws.ToInt32(dc.MinimumHealthyPercent) != 100 ||
		dc.DeploymentCircuitBreaker == nil || dc.DeploymentCircuitBreaker.Enable {
		t.Errorf("default deployment configuration: %+v", dc)
	}

	// Tags on services, clusters, task definitions.
	for _, arn := range []string{aws.ToString(svc.ServiceArn), "arn:aws:ecs:us-east-1:123456789012:cluster/main", td} {
		if _, err := f.ecs.TagResource(f.ctx, &ecs.TagResourceInput{ResourceArn: aws.String(arn),
			Tags: []ecstypes.Tag{{Key: aws.String("owner"), Value: aws.String("me")}}}); err != nil {
			t.Fatalf("TagResource %s: %v", arn, err)
		}
		if _, err := f.ecs.UntagResource(f.ctx, &ecs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
			t.Fatalf("UntagResource: %v", err)
		}
		lt, err := f.ecs.ListTagsForResource(f.ctx, &ecs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil || len(lt.Tags) != 1 || aws.ToString(lt.Tags[0].Key) != "owner" {
			t.Errorf("tags of %s: %+v %v", arn, lt, err)
		}
	}
	_, err = f.ecs.ListTagsForResource(f.ctx, &ecs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecs:us-east-1:123456789012:service/main/nope")})
	ecsWantError(t, "tags of a missing service", err, "InvalidParameterException", "")

	// Scaling is no new deployment.
	before := aws.ToString(f.primary(f.describeService("main", "svc-00")).Id)
	up, err := f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String("svc-00"), DesiredCount: aws.Int32(2)})
	if err != nil || len(up.Service.Deployments) != 1 || aws.ToString(up.Service.Deployments[0].Id) != before || up.Service.DesiredCount != 2 {
		t.Fatalf("scaling: %+v %v", up, err)
	}
	f.advance(5*time.Second, 3*time.Minute, nil, nil)
	if s := f.describeService("main", "svc-00"); s.RunningCount != 2 {
		t.Fatalf("running %d after scaling to 2", s.RunningCount)
	}
	// forceNewDeployment with the same task definition is a new deployment.
	forced, err := f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String("svc-00"), ForceNewDeployment: true})
	if err != nil || len(forced.Service.Deployments) != 2 || aws.ToString(forced.Service.Deployments[1].Id) != before {
		t.Fatalf("forceNewDeployment: %+v %v", forced, err)
	}
	f.advance(5*time.Second, 5*time.Minute, nil, nil)

	// Deletion.
	_, err = f.ecs.DeleteService(f.ctx, &ecs.DeleteServiceInput{Cluster: aws.String("main"), Service: aws.String("svc-00")})
	ecsWantError(t, "deleting a scaled-up service", err, "InvalidParameterException", "The service cannot be stopped while it is scaled above 0.")
	del, err := f.ecs.DeleteService(f.ctx, &ecs.DeleteServiceInput{Cluster: aws.String("main"), Service: aws.String("svc-00"), Force: aws.Bool(true)})
	if err != nil || aws.ToString(del.Service.Status) != "DRAINING" {
		t.Fatalf("DeleteService: %+v %v", del, err)
	}
	f.advance(5*time.Second, 2*time.Minute, nil, nil)
	if s := f.describeService("main", "svc-00"); aws.ToString(s.Status) != "INACTIVE" || s.RunningCount != 0 {
		t.Errorf("deleted service: %s running %d", aws.ToString(s.Status), s.RunningCount)
	}
	for _, task := range f.tasks("main", ecs.ListTasksInput{Family: aws.String("web")}) {
		if aws.ToString(task.LastStatus) != "STOPPED" {
			t.Errorf("task %s of the deleted service is %s", ecsTaskID(aws.ToString(task.TaskArn)), aws.ToString(task.LastStatus))
		}
	}
	_, err = f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String("svc-00"), DesiredCount: aws.Int32(1)})
	ecsWantError(t, "updating a deleted service", err, "ServiceNotActiveException", "Service was not ACTIVE.")
	ls, _ := f.ecs.ListServices(f.ctx, &ecs.ListServicesInput{Cluster: aws.String("main"), MaxResults: aws.Int32(100)})
	if len(ls.ServiceArns) != 11 {
		t.Errorf("%d services listed after deleting one of 12", len(ls.ServiceArns))
	}
}

func TestListTasksFilters(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("main")
	f.registerWeb("web", "nginx:1")
	f.registerWeb("batch", "nginx:1")
	f.createService("main", "web", "web", serviceOpts{desired: 2})
	for _, by := range []string{"events-rule/nightly", "manual"} {
		if _, err := f.ecs.RunTask(f.ctx, &ecs.RunTaskInput{Cluster: aws.String("main"), TaskDefinition: aws.String("batch"),
			LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: batchNetwork(), StartedBy: aws.String(by)}); err != nil {
			t.Fatalf("RunTask: %v", err)
		}
	}
	f.advance(time.Second, 2*time.Second, nil, nil)
	count := func(in ecs.ListTasksInput) int {
		in.Cluster = aws.String("main")
		out, err := f.ecs.ListTasks(f.ctx, &in)
		if err != nil {
			t.Fatalf("ListTasks: %v", err)
		}
		return len(out.TaskArns)
	}
	if n := count(ecs.ListTasksInput{}); n != 4 {
		t.Errorf("all RUNNING-desired tasks: %d", n)
	}
	if n := count(ecs.ListTasksInput{ServiceName: aws.String("web")}); n != 2 {
		t.Errorf("service tasks: %d", n)
	}
	if n := count(ecs.ListTasksInput{Family: aws.String("batch")}); n != 2 {
		t.Errorf("family tasks: %d", n)
	}
	if n := count(ecs.ListTasksInput{StartedBy: aws.String("manual")}); n != 1 {
		t.Errorf("startedBy tasks: %d", n)
	}
	if n := count(ecs.ListTasksInput{DesiredStatus: ecstypes.DesiredStatusStopped}); n != 0 {
		t.Errorf("stopped tasks: %d", n)
	}
	p := ecs.NewListTasksPaginator(f.ecs, &ecs.ListTasksInput{Cluster: aws.String("main"), MaxResults: aws.Int32(3)})
	total := 0
	for p.HasMorePages() {
		page, err := p.NextPage(f.ctx)
		if err != nil {
			t.Fatalf("ListTasks page: %v", err)
		}
		total += len(page.TaskArns)
	}
	if total != 4 {
		t.Errorf("paged ListTasks found %d tasks", total)
	}
	_, err := f.ecs.ListTasks(f.ctx, &ecs.ListTasksInput{Cluster: aws.String("main"), ServiceName: aws.String("nope")})
	ecsWantError(t, "tasks of a missing service", err, "ServiceNotFoundException", "Service not found.")
}

func TestTargetGroups(t *testing.T) {
	f := newManualFixture(t)
	var arns []string
	for i := 0; i < 5; i++ {
		arns = append(arns, f.createTargetGroup(fmt.Sprintf("tg-%d", i), -1))
	}
	var names []string
	p := elb.NewDescribeTargetGroupsPaginator(f.elb, &elb.DescribeTargetGroupsInput{PageSize: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(f.ctx)
		if err != nil {
			t.Fatalf("DescribeTargetGroups: %v", err)
		}
		for _, tg := range page.TargetGroups {
			names = append(names, aws.ToString(tg.TargetGroupName))
		}
	}
	if !reflect.DeepEqual(names, []string{"tg-0", "tg-1", "tg-2", "tg-3", "tg-4"}) {
		t.Errorf("paged target groups: %v", names)
	}
	out, err := f.elb.DescribeTargetGroups(f.ctx, &elb.DescribeTargetGroupsInput{Names: []string{"tg-3"}})
	if err != nil || len(out.TargetGroups) != 1 || aws.ToString(out.TargetGroups[0].TargetGroupArn) != arns[3] {
		t.Fatalf("by name: %+v %v", out, err)
	}
	tg := out.TargetGroups[0]
	if tg.TargetType != elbtypes.TargetTypeEnumIp || aws.ToInt32(tg.HealthCheckIntervalSeconds) != 10 ||
		aws.ToString(tg.HealthCheckPath) != "/health" || aws.ToInt32(tg.HealthyThresholdCount) != 5 ||
		aws.ToString(tg.Matcher.HttpCode) != "200" {
		t.Errorf("target group: %+v", tg)
	}
	_, err = f.elb.DescribeTargetGroups(f.ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{arns[0] + "0"}})
	ecsWantError(t, "missing target group", err, "TargetGroupNotFound", "One or more target groups not found")
	_, err = f.elb.DescribeTargetHealth(f.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(arns[0] + "0")})
	ecsWantError(t, "health of a missing target group", err, "TargetGroupNotFound", "")
	attrs, err := f.elb.DescribeTargetGroupAttributes(f.ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arns[0])})
	found := false
	for _, a := range attrs.Attributes {
		found = found || aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" && aws.ToString(a.Value) == "300"
	}
	if err != nil || !found {
		t.Errorf("default deregistration delay: %+v %v", attrs, err)
	}
	_, err = f.elb.CreateTargetGroup(f.ctx, &elb.CreateTargetGroupInput{Name: aws.String("tg-1"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(8080), VpcId: aws.String("vpc-0123456789abcdef0"), TargetType: elbtypes.TargetTypeEnumIp})
	ecsWantError(t, "same name, other settings", err, "DuplicateTargetGroupName", "")

	// Targets registered by hand, and one that is not.
	if _, err := f.elb.RegisterTargets(f.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(arns[0]),
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.1.2.3"), Port: aws.Int32(80)}}}); err != nil {
		t.Fatalf("RegisterTargets: %v", err)
	}
	f.advance(time.Second, 30*time.Second, nil, nil)
	th, err := f.elb.DescribeTargetHealth(f.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(arns[0]),
		Targets: []elbtypes.TargetDescription{{Id: aws.String("10.1.2.3"), Port: aws.Int32(80)}, {Id: aws.String("10.9.9.9")}}})
	if err != nil || len(th.TargetHealthDescriptions) != 2 || th.TargetHealthDescriptions[0].TargetHealth.State != "healthy" ||
		th.TargetHealthDescriptions[1].TargetHealth.State != "unused" || th.TargetHealthDescriptions[1].TargetHealth.Reason != "Target.NotRegistered" {
		t.Errorf("DescribeTargetHealth: %+v %v", th, err)
	}
}

// Throttled calls are retried by the SDK's own retryer; the request log
// shows both.
func TestThrottlingAbsorbedByRetryer(t *testing.T) {
	f := newFixture(t, WithSeed(3))
	f.createCluster("main")
	td := f.registerWeb("web", "nginx:1")
	f.createService("main", "web", td, serviceOpts{desired: 2})
	remove := f.srv.AddFault(Fault{Service: "ecs", Operation: "DescribeServices", Throttle: 0.3})
	defer remove()
	f.srv.ResetRequests()
	// The standard retryer, with more attempts and short backoffs for a test.
	client := ecs.NewFromConfig(f.srv.AWSConfig(), func(o *ecs.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts, so.MaxBackoff = 10, 5*time.Millisecond
		})
	})
	for i := 0; i < 30; i++ {
		out, err := client.DescribeServices(f.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("main"), Services: []string{"web"}})
		if err != nil || len(out.Services) != 1 {
			t.Fatalf("DescribeServices under throttling: %v", err)
		}
	}
	throttled, ok := 0, 0
	for _, r := range f.srv.Requests() {
		switch {
		case r.Operation != "DescribeServices":
		case r.ErrorCode == "ThrottlingException":
			throttled++
		case r.Status == 200:
			ok++
		}
	}
	if ok != 30 || throttled == 0 {
		t.Errorf("%d successful and %d throttled DescribeServices calls; want 30 and some", ok, throttled)
	}
}

// ListServiceDeployments and DescribeServiceDeployments follow rollouts,
// including a circuit-breaker rollback.
func TestServiceDeployments(t *testing.T) {
	f := newManualFixture(t)
	bad := "registry.example.com/web:crash"
	f.srv.SetBehavior(BehaviorRule{Image: bad, Behavior: ExitsWith(1, 0)})
	_, _, _, _ = deployGoodThenUpdate(t, f, bad, serviceOpts{desired: 2, breaker: true, rollback: true})
	f.advance(5*time.Second, 20*time.Minute, nil, func() bool {
		return len(f.describeService("main", "web").Deployments) == 1 && string(f.primary(f.describeService("main", "web")).RolloutState) == "COMPLETED"
	})
	list, err := f.ecs.ListServiceDeployments(f.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("main"), Service: aws.String("web")})
	if err != nil || len(list.ServiceDeployments) != 2 {
		t.Fatalf("ListServiceDeployments: %+v %v", list, err)
	}
	if list.ServiceDeployments[0].Status != ecstypes.ServiceDeploymentStatusRollbackSuccessful ||
		list.ServiceDeployments[1].Status != ecstypes.ServiceDeploymentStatusSuccessful {
		t.Errorf("statuses %s, %s; want ROLLBACK_SUCCESSFUL then SUCCESSFUL", list.ServiceDeployments[0].Status, list.ServiceDeployments[1].Status)
	}
	d, err := f.ecs.DescribeServiceDeployments(f.ctx, &ecs.DescribeServiceDeploymentsInput{
		ServiceDeploymentArns: []string{aws.ToString(list.ServiceDeployments[0].ServiceDeploymentArn), "arn:aws:ecs:us-east-1:123456789012:service-deployment/main/web/nope"}})
	if err != nil || len(d.ServiceDeployments) != 1 || len(d.Failures) != 1 {
		t.Fatalf("DescribeServiceDeployments: %+v %v", d, err)
	}
	sd := d.ServiceDeployments[0]
	if sd.Rollback == nil || aws.ToString(sd.Rollback.ServiceRevisionArn) != aws.ToString(list.ServiceDeployments[1].TargetServiceRevisionArn) ||
		sd.DeploymentCircuitBreaker == nil || sd.DeploymentCircuitBreaker.Status != "TRIGGERED" || sd.DeploymentCircuitBreaker.Threshold != 3 ||
		len(sd.SourceServiceRevisions) != 1 || !strings.Contains(aws.ToString(sd.StatusReason), "circuit breaker") {
		t.Errorf("the rolled-back deployment: %+v", sd)
	}
}

// DescribeServices shows the 100 most recent events, newest first.
func TestServiceEventsBounded(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("main")
	f.createService("main", "web", f.registerWeb("web", "nginx:1"), serviceOpts{desired: 0})
	f.advance(time.Second, 2*time.Second, nil, nil) // the empty service completes its deployment
	f.srv.mu.Lock()
	svc := f.srv.ecs.clusters["main"].services["web"]
	for i := 0; i < 150; i++ {
		f.srv.serviceEvent(svc, "(service web) event %d", i)
	}
	f.srv.mu.Unlock()
	events := f.describeService("main", "web").Events
	if len(events) != 100 || aws.ToString(events[0].Message) != "(service web) event 149" ||
		aws.ToString(events[99].Message) != "(service web) event 50" {
		t.Errorf("%d events, first %q, last %q", len(events), aws.ToString(events[0].Message), aws.ToString(events[len(events)-1].Message))
	}
}
