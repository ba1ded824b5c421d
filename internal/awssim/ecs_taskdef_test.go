package awssim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

// richTaskDefinition uses most of what a production Fargate task definition
// can hold.
func richTaskDefinition() *ecs.RegisterTaskDefinitionInput {
	return &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String("web-rich"),
		TaskRoleArn:             aws.String("arn:aws:iam::123456789012:role/web-task"),
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/web-exec"),
		NetworkMode:             ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("1024"),
		Memory:                  aws.String("2048"),
		PidMode:                 ecstypes.PidModeTask,
		RuntimePlatform: &ecstypes.RuntimePlatform{CpuArchitecture: ecstypes.CPUArchitectureArm64,
			OperatingSystemFamily: ecstypes.OSFamilyLinux},
		EphemeralStorage: &ecstypes.EphemeralStorage{SizeInGiB: 40},
		Volumes: []ecstypes.Volume{
			{Name: aws.String("data"), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{
				FileSystemId: aws.String("fs-0123456789abcdef0"), RootDirectory: aws.String("/"),
				TransitEncryption: ecstypes.EFSTransitEncryptionEnabled,
				AuthorizationConfig: &ecstypes.EFSAuthorizationConfig{AccessPointId: aws.String("fsap-0123"),
					Iam: ecstypes.EFSAuthorizationConfigIAMEnabled}}},
			{Name: aws.String("scratch")},
		},
		PlacementConstraints: []ecstypes.TaskDefinitionPlacementConstraint{{
			Type: ecstypes.TaskDefinitionPlacementConstraintTypeMemberOf, Expression: aws.String("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]")}},
		ProxyConfiguration: &ecstypes.ProxyConfiguration{Type: ecstypes.ProxyConfigurationTypeAppmesh, ContainerName: aws.String("envoy"),
			Properties: []ecstypes.KeyValuePair{{Name: aws.String("IgnoredUID"), Value: aws.String("1337")},
				{Name: aws.String("ProxyIngressPort"), Value: aws.String("15000")}, {Name: aws.String("AppPorts"), Value: aws.String("8080")}}},
		Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}, {Key: aws.String("env"), Value: aws.String("prod")}},
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{
				Name: aws.String("web"), Image: aws.String("123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:" + strings.Repeat("ab", 32)),
				Cpu: 512, Memory: aws.Int32(1024), MemoryReservation: aws.Int32(512), Essential: aws.Bool(true),
				EntryPoint: []string{"/app/web"}, Command: []string{"serve", "--port=8080"}, WorkingDirectory: aws.String("/app"),
				User: aws.String("1000"), ReadonlyRootFilesystem: aws.Bool(true), StopTimeout: aws.Int32(60), StartTimeout: aws.Int32(30),
				PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080), HostPort: aws.Int32(8080),
					Protocol: ecstypes.TransportProtocolTcp, Name: aws.String("http"), AppProtocol: ecstypes.ApplicationProtocolHttp}},
				Environment: []ecstypes.KeyValuePair{{Name: aws.String("LOG_LEVEL"), Value: aws.String("info")},
					{Name: aws.String("EMPTY"), Value: aws.String("")}},
				EnvironmentFiles: []ecstypes.EnvironmentFile{{Type: ecstypes.EnvironmentFileTypeS3, Value: aws.String("arn:aws:s3:::cfg/web.env")}},
				Secrets: []ecstypes.Secret{
					{Name: aws.String("DB_PASSWORD"), ValueFrom: aws.String("arn:aws:ssm:us-east-1:123456789012:parameter/web/db-password")},
					{Name: aws.String("API_KEY"), ValueFrom: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:web/api-key-AbCdEf")}},
				HealthCheck: &ecstypes.HealthCheck{Command: []string{"CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"},
					Interval: aws.Int32(15), Timeout: aws.Int32(5), Retries: aws.Int32(3), StartPeriod: aws.Int32(30)},
				LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwsfirelens,
					Options:       map[string]string{"Name": "cloudwatch_logs", "region": "us-east-1", "log_group_name": "/ecs/web", "auto_create_group": "true"},
					SecretOptions: []ecstypes.Secret{{Name: aws.String("apikey"), ValueFrom: aws.String("arn:aws:ssm:us-east-1:123456789012:parameter/log-key")}}},
				Ulimits: []ecstypes.Ulimit{{Name: ecstypes.UlimitNameNofile, SoftLimit: 65536, HardLimit: 65536}},
				LinuxParameters: &ecstypes.LinuxParameters{InitProcessEnabled: aws.Bool(true),
					Capabilities: &ecstypes.KernelCapabilities{Add: []string{"SYS_PTRACE"}, Drop: []string{"NET_RAW"}}},
				MountPoints:    []ecstypes.MountPoint{{SourceVolume: aws.String("data"), ContainerPath: aws.String("/data"), ReadOnly: aws.Bool(false)}},
				DependsOn:      []ecstypes.ContainerDependency{{ContainerName: aws.String("log_router"), Condition: ecstypes.ContainerConditionStart}, {ContainerName: aws.String("envoy"), Condition: ecstypes.ContainerConditionHealthy}},
				DockerLabels:   map[string]string{"com.example.service": "web"},
				SystemControls: []ecstypes.SystemControl{{Namespace: aws.String("net.core.somaxconn"), Value: aws.String("1024")}},
			},
			{
				Name: aws.String("log_router"), Image: aws.String("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"),
				Essential: aws.Bool(false), MemoryReservation: aws.Int32(50), User: aws.String("0"),
				FirelensConfiguration: &ecstypes.FirelensConfiguration{Type: ecstypes.FirelensConfigurationTypeFluentbit,
					Options: map[string]string{"enable-ecs-log-metadata": "true"}},
				LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
					"awslogs-group": "/ecs/firelens", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "firelens"}},
			},
			{
				Name: aws.String("envoy"), Image: aws.String("public.ecr.aws/appmesh/aws-appmesh-envoy:v1.27.0.0-prod"),
				Essential: aws.Bool(true), Memory: aws.Int32(256), User: aws.String("1337"),
				Environment: []ecstypes.KeyValuePair{{Name: aws.String("APPMESH_RESOURCE_ARN"), Value: aws.String("mesh/web/virtualNode/web")}},
				HealthCheck: &ecstypes.HealthCheck{Command: []string{"CMD-SHELL", "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE"},
					Interval: aws.Int32(5), Timeout: aws.Int32(2), Retries: aws.Int32(3), StartPeriod: aws.Int32(10)},
			},
		},
	}
}

// sdkToJSON turns an SDK value into generic JSON (Go field names; nil omitted below).
func sdkToJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return out
}

// jsonSubset reports the first way in which got lacks or changes what want has.
func jsonSubset(path string, want, got any) error {
	switch w := want.(type) {
	case nil:
		return nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", path, got)
		}
		for k, v := range w {
			if err := jsonSubset(path+"."+k, v, g[k]); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %d items, got %v", path, len(w), got)
		}
		for i := range w {
			if err := jsonSubset(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); err != nil {
				return err
			}
		}
	default:
		if !reflect.DeepEqual(want, got) {
			return fmt.Errorf("%s: sent %v, got back %v", path, want, got)
		}
	}
	return nil
}

// A rich task definition comes back from DescribeTaskDefinition with every
// field it was registered with, plus the read-only fields; registering what
// was described (minus read-only fields) gives an identical revision.
func TestRichTaskDefinitionRoundTrip(t *testing.T) {
	f := newManualFixture(t)
	in := richTaskDefinition()
	reg, err := f.ecs.RegisterTaskDefinition(f.ctx, in)
	if err != nil {
		t.Fatalf("RegisterTaskDefinition: %v", err)
	}
	out, err := f.ecs.DescribeTaskDefinition(f.ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String("web-rich"), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatalf("DescribeTaskDefinition: %v", err)
	}
	td := out.TaskDefinition
	sent := sdkToJSON(t, in).(map[string]any)
	delete(sent, "Tags")
	if err := jsonSubset("taskDefinition", sent, sdkToJSON(t, td)); err != nil {
		t.Fatalf("a registered field did not come back intact: %v", err)
	}
	if !reflect.DeepEqual(sdkToJSON(t, out.Tags), sdkToJSON(t, in.Tags)) {
		t.Errorf("tags %v, want %v", sdkToJSON(t, out.Tags), sdkToJSON(t, in.Tags))
	}
	if !reflect.DeepEqual(sdkToJSON(t, reg.TaskDefinition), sdkToJSON(t, td)) {
		t.Errorf("RegisterTaskDefinition and DescribeTaskDefinition answer differently")
	}
	if aws.ToString(td.TaskDefinitionArn) != "arn:aws:ecs:us-east-1:123456789012:task-definition/web-rich:1" || td.Revision != 1 ||
		td.Status != ecstypes.TaskDefinitionStatusActive || td.RegisteredAt == nil || !strings.HasPrefix(aws.ToString(td.RegisteredBy), "arn:aws:iam::") ||
		td.DeregisteredAt != nil || td.DeleteRequestedAt != nil {
		t.Errorf("read-only fields: %+v", td)
	}
	if !reflect.DeepEqual(td.Compatibilities, []ecstypes.Compatibility{"EC2", "FARGATE"}) {
		t.Errorf("compatibilities %v", td.Compatibilities)
	}
	attrs := map[string]bool{}
	for _, a := range td.RequiresAttributes {
		attrs[aws.ToString(a.Name)] = true
	}
	for _, want := range []string{"ecs.capability.task-eni", "ecs.capability.secrets.ssm.environment-variables",
		"ecs.capability.secrets.asm.environment-variables", "ecs.capability.container-health-check",
		"com.amazonaws.ecs.capability.logging-driver.awsfirelens", "ecs.capability.execution-role-awslogs",
		"com.amazonaws.ecs.capability.task-iam-role", "ecs.capability.container-ordering", "ecs.capability.firelens.fluentbit"} {
		if !attrs[want] {
			t.Errorf("requiresAttributes lacks %s: %v", want, attrs)
		}
	}
	// Defaults ECS fills in for what was left out.
	lr := td.ContainerDefinitions[1]
	if lr.Cpu != 0 || lr.Environment == nil || lr.MountPoints == nil || lr.VolumesFrom == nil || lr.PortMappings == nil {
		t.Errorf("defaults not filled in: %+v", lr)
	}

	// Deploy-tool style: the next revision from the described one.
	next := &ecs.RegisterTaskDefinitionInput{
		Family: td.Family, TaskRoleArn: td.TaskRoleArn, ExecutionRoleArn: td.ExecutionRoleArn, NetworkMode: td.NetworkMode,
		ContainerDefinitions: td.ContainerDefinitions, Volumes: td.Volumes, PlacementConstraints: td.PlacementConstraints,
		RequiresCompatibilities: td.RequiresCompatibilities, Cpu: td.Cpu, Memory: td.Memory, PidMode: td.PidMode,
		IpcMode: td.IpcMode, ProxyConfiguration: td.ProxyConfiguration, InferenceAccelerators: td.InferenceAccelerators,
		EphemeralStorage: td.EphemeralStorage, RuntimePlatform: td.RuntimePlatform, EnableFaultInjection: td.EnableFaultInjection,
		Tags: out.Tags,
	}
	if _, err := f.ecs.RegisterTaskDefinition(f.ctx, next); err != nil {
		t.Fatalf("re-register: %v", err)
	}
	out2, err := f.ecs.DescribeTaskDefinition(f.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web-rich:2")})
	if err != nil {
		t.Fatalf("DescribeTaskDefinition: %v", err)
	}
	a, b := sdkToJSON(t, td).(map[string]any), sdkToJSON(t, out2.TaskDefinition).(map[string]any)
	for _, k := range []string{"TaskDefinitionArn", "Revision", "RegisteredAt"} {
		delete(a, k)
		delete(b, k)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("revision 2 differs from revision 1:\n%v\n%v", a, b)
	}
}

func TestRegisterTaskDefinitionValidation(t *testing.T) {
	f := newManualFixture(t)
	cases := []struct {
		name, msg string
		mutate    func(*ecs.RegisterTaskDefinitionInput)
	}{
		{"fargate without task cpu", "Fargate requires that 'cpu' be defined at the task level.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.Cpu = nil }},
		{"fargate without task memory", "Fargate requires that 'memory' be defined at the task level.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.Memory = nil }},
		{"fargate in bridge mode", "Fargate only supports network mode ‘awsvpc’.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.NetworkMode = ecstypes.NetworkModeBridge }},
		{"fargate without network mode", "Fargate only supports network mode ‘awsvpc’.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.NetworkMode = "" }},
		{"invalid fargate size", "No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.Cpu, in.Memory = aws.String("256"), aws.String("4096") }},
		{"duplicate container names", "Duplicate container name 'web'. Container names must be unique within a task definition.",
			func(in *ecs.RegisterTaskDefinitionInput) {
				in.ContainerDefinitions = append(in.ContainerDefinitions, in.ContainerDefinitions[0])
			}},
		{"missing image", "Container.image should not be null or empty.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.ContainerDefinitions[0].Image = nil }},
		{"missing name", "Container.name should not be null or empty.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.ContainerDefinitions[0].Name = nil }},
		{"awslogs without execution role", "Fargate requires task definition to have execution role ARN to support log driver awslogs.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.ExecutionRoleArn = nil }},
		{"host port differs", "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
			func(in *ecs.RegisterTaskDefinitionInput) {
				in.ContainerDefinitions[0].PortMappings[0].HostPort = aws.Int32(8081)
			}},
		{"no containers", "Container list cannot be empty.",
			func(in *ecs.RegisterTaskDefinitionInput) { in.ContainerDefinitions = []ecstypes.ContainerDefinition{} }},
		{"ec2 container without memory", "Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified.",
			func(in *ecs.RegisterTaskDefinitionInput) {
				in.RequiresCompatibilities, in.Memory, in.Cpu, in.NetworkMode = nil, nil, nil, ecstypes.NetworkModeBridge
				in.ContainerDefinitions[0].PortMappings = nil
			}},
	}
	valid := func() *ecs.RegisterTaskDefinitionInput {
		return &ecs.RegisterTaskDefinitionInput{
			Family: aws.String("web"), RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
			NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
			ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/exec"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("nginx:1.27"),
				PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}},
				LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
					"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}}},
		}
	}
	for _, tc := range cases {
		in := valid()
		tc.mutate(in)
		_, err := f.ecs.RegisterTaskDefinition(f.ctx, in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ClientException" || ae.ErrorMessage() != tc.msg {
			t.Errorf("%s: got %v, want ClientException: %s", tc.name, err, tc.msg)
		}
	}
	fams, err := f.ecs.ListTaskDefinitionFamilies(f.ctx, &ecs.ListTaskDefinitionFamiliesInput{})
	if err != nil || len(fams.Families) != 0 {
		t.Fatalf("rejected registrations left families %v (%v)", fams, err)
	}

	// Read-only fields sent back (the SDK cannot; a hand-built request can).
	body := `{"family":"web","revision":3,"status":"ACTIVE","containerDefinitions":[{"name":"web","image":"nginx","memory":128}]}`
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL(), strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(raw), `"__type":"ClientException"`) ||
		!strings.Contains(string(raw), `Unknown parameter in input: \"revision\"`) && !strings.Contains(string(raw), `Unknown parameter in input: \"status\"`) {
		t.Errorf("read-only fields accepted: %d %s", resp.StatusCode, raw)
	}

	// Task sizes in vCPU/GB are stored in CPU units/MiB, as ECS does.
	in := valid()
	in.Cpu, in.Memory = aws.String("1 vCPU"), aws.String("2 GB")
	reg, err := f.ecs.RegisterTaskDefinition(f.ctx, in)
	if err != nil {
		t.Fatalf("register with vCPU/GB: %v", err)
	}
	if aws.ToString(reg.TaskDefinition.Cpu) != "1024" || aws.ToString(reg.TaskDefinition.Memory) != "2048" {
		t.Errorf("cpu %s memory %s, want 1024 and 2048", aws.ToString(reg.TaskDefinition.Cpu), aws.ToString(reg.TaskDefinition.Memory))
	}
	if pm := reg.TaskDefinition.ContainerDefinitions[0].PortMappings[0]; aws.ToInt32(pm.HostPort) != 8080 || pm.Protocol != "tcp" {
		t.Errorf("port mapping defaults: %+v", pm)
	}
}

// Revisions go ACTIVE -> INACTIVE -> DELETE_IN_PROGRESS; lists page and filter.
func TestTaskDefinitionLifecycleAndPaging(t *testing.T) {
	f := newManualFixture(t)
	for i := 0; i < 23; i++ {
		f.registerWeb("web", fmt.Sprintf("nginx:1.%d", i))
	}
	f.registerWeb("worker", "nginx:1")
	f.registerWeb("web-canary", "nginx:1")

	var arns []string
	p := ecs.NewListTaskDefinitionsPaginator(f.ecs, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("web"), MaxResults: aws.Int32(10)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(f.ctx)
		if err != nil {
			t.Fatalf("ListTaskDefinitions: %v", err)
		}
		pages++
		arns = append(arns, page.TaskDefinitionArns...)
	}
	if pages != 3 || len(arns) != 23 || !strings.HasSuffix(arns[0], "/web:1") || !strings.HasSuffix(arns[22], "/web:23") {
		t.Fatalf("%d pages, %d ARNs (%s ... %s); want 3 pages of web:1..23", pages, len(arns), arns[0], arns[len(arns)-1])
	}
	desc, err := f.ecs.ListTaskDefinitions(f.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("web"), Sort: ecstypes.SortOrderDesc, MaxResults: aws.Int32(1)})
	if err != nil || !strings.HasSuffix(desc.TaskDefinitionArns[0], "/web:23") {
		t.Fatalf("DESC: %v %v", desc, err)
	}

	if _, err := f.ecs.DeregisterTaskDefinition(f.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("web:23")}); err != nil {
		t.Fatalf("DeregisterTaskDefinition: %v", err)
	}
	latest, err := f.ecs.DescribeTaskDefinition(f.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web")})
	if err != nil || latest.TaskDefinition.Revision != 22 {
		t.Fatalf("a bare family names its latest ACTIVE revision: %v %v", latest, err)
	}
	del, err := f.ecs.DeleteTaskDefinitions(f.ctx, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{"web:23", "web:22"}})
	if err != nil {
		t.Fatalf("DeleteTaskDefinitions: %v", err)
	}
	if len(del.TaskDefinitions) != 1 || del.TaskDefinitions[0].Status != ecstypes.TaskDefinitionStatusDeleteInProgress ||
		del.TaskDefinitions[0].DeleteRequestedAt == nil || len(del.Failures) != 1 || !strings.Contains(aws.ToString(del.Failures[0].Reason), "ACTIVE") {
		t.Errorf("DeleteTaskDefinitions: %+v", del)
	}
	inactive, _ := f.ecs.ListTaskDefinitions(f.ctx, &ecs.ListTaskDefinitionsInput{Status: ecstypes.TaskDefinitionStatusDeleteInProgress})
	if len(inactive.TaskDefinitionArns) != 1 || !strings.HasSuffix(inactive.TaskDefinitionArns[0], "/web:23") {
		t.Errorf("DELETE_IN_PROGRESS list: %v", inactive.TaskDefinitionArns)
	}
	_, err = f.ecs.DescribeTaskDefinition(f.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web:99")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ClientException" || ae.ErrorMessage() != "Unable to describe task definition." {
		t.Errorf("describing a missing revision: %v", err)
	}
	fams, err := f.ecs.ListTaskDefinitionFamilies(f.ctx, &ecs.ListTaskDefinitionFamiliesInput{FamilyPrefix: aws.String("web")})
	if err != nil || !reflect.DeepEqual(fams.Families, []string{"web", "web-canary"}) {
		t.Errorf("families with prefix web: %v %v", fams, err)
	}
	// A new registration continues the family's numbering.
	if arn := f.registerWeb("web", "nginx:2"); !strings.HasSuffix(arn, "/web:24") {
		t.Errorf("next revision %s, want web:24", arn)
	}
}
