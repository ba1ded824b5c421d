package awssim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// putEvents writes messages one millisecond apart, starting at base.
func putEvents(t *testing.T, client *cwl.Client, group, stream string, base time.Time, msgs ...string) {
	t.Helper()
	var evs []types.InputLogEvent
	for i, m := range msgs {
		evs = append(evs, types.InputLogEvent{Timestamp: aws.Int64(base.UnixMilli() + int64(i)), Message: aws.String(m)})
	}
	out, err := client.PutLogEvents(context.Background(), &cwl.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream, LogEvents: evs})
	if err != nil {
		t.Fatalf("PutLogEvents: %v", err)
	}
	if out.RejectedLogEventsInfo != nil {
		t.Fatalf("PutLogEvents rejected events: %+v", out.RejectedLogEventsInfo)
	}
}

func messages(evs []types.OutputLogEvent) string {
	var ms []string
	for _, e := range evs {
		ms = append(ms, aws.ToString(e.Message))
	}
	return strings.Join(ms, ",")
}

func numbered(prefix string, from, to int) []string {
	var ms []string
	for i := from; i < to; i++ {
		ms = append(ms, fmt.Sprintf("%s%d", prefix, i))
	}
	return ms
}

func TestLogsGroupsAndStreams(t *testing.T) {
	s := NewTestServer(t)
	client := cwl.NewFromConfig(s.AWSConfig())
	ctx := context.Background()

	for _, g := range []string{"/ecs/web", "/ecs/app", "/ecs/batch", "/other"} {
		if _, err := client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatalf("CreateLogGroup %s: %v", g, err)
		}
	}
	_, err := client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/ecs/web")})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "The specified log group already exists")

	var groups []string
	for p := cwl.NewDescribeLogGroupsPaginator(client, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/"), Limit: aws.Int32(2)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeLogGroups: %v", err)
		}
		for _, g := range page.LogGroups {
			groups = append(groups, aws.ToString(g.LogGroupName))
			if aws.ToString(g.LogGroupArn) != s.arn("logs", "log-group:"+aws.ToString(g.LogGroupName)) {
				t.Fatalf("logGroupArn %s", aws.ToString(g.LogGroupArn))
			}
		}
	}
	if strings.Join(groups, ",") != "/ecs/app,/ecs/batch,/ecs/web" {
		t.Fatalf("DescribeLogGroups with prefix: %v", groups)
	}

	_, err = client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/nope"), LogStreamName: aws.String("s")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	// Streams written at different times.
	base := s.Clock().Now().Add(-time.Hour)
	for i, name := range []string{"web/web/c", "web/web/a", "web/web/b", "other"} {
		if _, err := client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		putEvents(t, client, "/ecs/web", name, base.Add(time.Duration(i)*time.Minute), "line")
	}
	_, err = client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("other")})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "The specified log stream already exists")

	list := func(in *cwl.DescribeLogStreamsInput) string {
		t.Helper()
		var names []string
		for p := cwl.NewDescribeLogStreamsPaginator(client, in); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("DescribeLogStreams: %v", err)
			}
			for _, st := range page.LogStreams {
				names = append(names, aws.ToString(st.LogStreamName))
			}
		}
		return strings.Join(names, ",")
	}
	if got := list(&cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/web"), LogStreamNamePrefix: aws.String("web/"), Limit: aws.Int32(2)}); got != "web/web/a,web/web/b,web/web/c" {
		t.Fatalf("streams by name: %s", got)
	}
	if got := list(&cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/web"), OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(3)}); got != "other,web/web/b,web/web/a,web/web/c" {
		t.Fatalf("streams by last event, newest first: %s", got)
	}
	if got := list(&cwl.DescribeLogStreamsInput{LogGroupIdentifier: aws.String(s.arn("logs", "log-group:/ecs/web")), Descending: aws.Bool(true), Limit: aws.Int32(1)}); got != "web/web/c,web/web/b,web/web/a,other" {
		t.Fatalf("streams by name descending, group by ARN: %s", got)
	}
	_, err = client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/web"), OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("web")})
	wantAPIError(t, err, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")

	if _, err := client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/web")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/web")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestLogsGetLogEvents(t *testing.T) {
	s := NewTestServer(t)
	client := cwl.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	group, stream := "/ecs/batch", "batch/job/1"
	if _, err := client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &group}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &group, LogStreamName: &stream}); err != nil {
		t.Fatal(err)
	}
	base := s.Clock().Now().Add(-time.Hour)
	putEvents(t, client, group, stream, base, numbered("m", 0, 25)...)

	// From the head, the SDK paginator reads everything and stops when the
	// forward token comes back unchanged. As against AWS, that takes
	// StopOnDuplicateToken: without it the Go SDK's paginator polls forever.
	var all []string
	pages := 0
	p := cwl.NewGetLogEventsPaginator(client, &cwl.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream, StartFromHead: aws.Bool(true)},
		func(o *cwl.GetLogEventsPaginatorOptions) { o.Limit, o.StopOnDuplicateToken = 10, true })
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages > 10 {
			t.Fatal("the GetLogEvents paginator does not terminate")
		}
		if m := messages(page.Events); m != "" {
			all = append(all, m)
		}
	}
	if strings.Join(all, ",") != strings.Join(numbered("m", 0, 25), ",") || pages != 4 {
		t.Fatalf("paged %d pages: %v", pages, all)
	}

	// By default the last events come first; the backward token goes back.
	tail, err := client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream, Limit: aws.Int32(10)})
	if err != nil || messages(tail.Events) != strings.Join(numbered("m", 15, 25), ",") {
		t.Fatalf("tail: %v %s", err, messages(tail.Events))
	}
	back, err := client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream, Limit: aws.Int32(10), NextToken: tail.NextBackwardToken})
	if err != nil || messages(back.Events) != strings.Join(numbered("m", 5, 15), ",") {
		t.Fatalf("backward page: %v %s", err, messages(back.Events))
	}

	// Following: nothing new keeps the token; new events appear after it.
	same, err := client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream, NextToken: tail.NextForwardToken})
	if err != nil || len(same.Events) != 0 || aws.ToString(same.NextForwardToken) != aws.ToString(tail.NextForwardToken) {
		t.Fatalf("forward read at the end: %v %d events, token %s vs %s", err, len(same.Events), aws.ToString(same.NextForwardToken), aws.ToString(tail.NextForwardToken))
	}
	putEvents(t, client, group, stream, base.Add(time.Minute), "new1", "new2")
	fresh, err := client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream, NextToken: tail.NextForwardToken})
	if err != nil || messages(fresh.Events) != "new1,new2" {
		t.Fatalf("forward read after new events: %v %s", err, messages(fresh.Events))
	}

	// startTime is inclusive, endTime exclusive.
	ranged, err := client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream, StartFromHead: aws.Bool(true),
		StartTime: aws.Int64(base.UnixMilli() + 3), EndTime: aws.Int64(base.UnixMilli() + 6)})
	if err != nil || messages(ranged.Events) != "m3,m4,m5" {
		t.Fatalf("time range: %v %s", err, messages(ranged.Events))
	}

	_, err = client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &group, LogStreamName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")

	// What ECS writes for awslogs containers lands in the same store.
	s.mu.Lock()
	s.putLogLinesLocked("/ecs/web", "web/web/abc", s.now(), []string{"listening on :8080", "ready"})
	s.mu.Unlock()
	ecsOut, err := client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("web/web/abc"), StartFromHead: aws.Bool(true)})
	if err != nil || messages(ecsOut.Events) != "listening on :8080,ready" {
		t.Fatalf("lines written by ECS: %v %s", err, messages(ecsOut.Events))
	}
}

func TestLogsFilterLogEvents(t *testing.T) {
	s := NewTestServer(t)
	client := cwl.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	group := "/ecs/app"
	if _, err := client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &group}); err != nil {
		t.Fatal(err)
	}
	base := s.Clock().Now().Add(-time.Hour)
	for i, stream := range []string{"app/app/1", "app/app/2", "sidecar/x/1"} {
		if _, err := client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &group, LogStreamName: aws.String(stream)}); err != nil {
			t.Fatal(err)
		}
		// Streams interleave in time: stream i writes at base+i, base+3+i, ...
		for j, msg := range []string{"INFO start", "ERROR disk full", "WARN slow", "ERROR ignored retry"} {
			putEvents(t, client, group, stream, base.Add(time.Duration(3*j+i)*time.Millisecond), fmt.Sprintf("%s #%d", msg, i))
		}
	}

	filter := func(in *cwl.FilterLogEventsInput) []string {
		t.Helper()
		in.LogGroupName = &group
		var got []string
		for p := cwl.NewFilterLogEventsPaginator(client, in); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("FilterLogEvents: %v", err)
			}
			for _, e := range page.Events {
				got = append(got, aws.ToString(e.Message))
			}
		}
		return got
	}
	if got := filter(&cwl.FilterLogEventsInput{FilterPattern: aws.String(`"disk full"`)}); strings.Join(got, "|") != "ERROR disk full #0|ERROR disk full #1|ERROR disk full #2" {
		t.Fatalf("phrase: %v", got)
	}
	if got := filter(&cwl.FilterLogEventsInput{FilterPattern: aws.String("ERROR -ignored"), LogStreamNamePrefix: aws.String("app/")}); strings.Join(got, "|") != "ERROR disk full #0|ERROR disk full #1" {
		t.Fatalf("term with exclusion and stream prefix: %v", got)
	}
	if got := filter(&cwl.FilterLogEventsInput{FilterPattern: aws.String("?WARN ?INFO"), LogStreamNames: []string{"app/app/2"}}); strings.Join(got, "|") != "INFO start #1|WARN slow #1" {
		t.Fatalf("alternatives in one stream: %v", got)
	}
	// Paging two at a time through all 12 events keeps time order across streams.
	got := filter(&cwl.FilterLogEventsInput{Limit: aws.Int32(2), StartTime: aws.Int64(base.UnixMilli()), EndTime: aws.Int64(base.UnixMilli() + 11)})
	if len(got) != 12 || got[0] != "INFO start #0" || got[1] != "INFO start #1" || got[11] != "ERROR ignored retry #2" {
		t.Fatalf("all events paged: %v", got)
	}
	_, err := client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: &group, LogStreamNames: []string{"app/app/9"}})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	_, err = client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: &group, FilterPattern: aws.String(`{ $.level = "error" }`)})
	wantAPIError(t, err, "InvalidParameterException", "term")
}

func TestLogsPutLogEventsValidation(t *testing.T) {
	s := NewTestServer(t)
	client := cwl.NewFromConfig(s.AWSConfig())
	ctx := context.Background()
	group, stream := "/g", "s"
	_, err := client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream,
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(1), Message: aws.String("x")}}})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	if _, err := client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &group}); err != nil {
		t.Fatal(err)
	}
	_, err = client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream,
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(1), Message: aws.String("x")}}})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log stream does not exist.")
	if _, err := client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &group, LogStreamName: &stream}); err != nil {
		t.Fatal(err)
	}
	now := s.Clock().Now().UnixMilli()
	_, err = client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream,
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String("b")}, {Timestamp: aws.Int64(now - 1), Message: aws.String("a")}}})
	wantAPIError(t, err, "InvalidParameterException", "must be in chronological order")

	// Events older than 14 days or more than 2 hours ahead are set aside.
	ago := func(d time.Duration) *int64 { return aws.Int64(now - d.Milliseconds()) }
	day := 24 * time.Hour
	out, err := client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream, LogEvents: []types.InputLogEvent{
		{Timestamp: ago(14*day + time.Hour), Message: aws.String("old")},
		{Timestamp: ago(14*day + time.Hour/2), Message: aws.String("old too")},
		{Timestamp: ago(13*day + 2*time.Hour), Message: aws.String("kept")},
	}})
	if err != nil || out.RejectedLogEventsInfo == nil || aws.ToInt32(out.RejectedLogEventsInfo.TooOldLogEventEndIndex) != 2 {
		t.Fatalf("too old events: %v %+v", err, out)
	}
	got, err := client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &group, LogStreamName: &stream})
	if err != nil || messages(got.Events) != "kept" {
		t.Fatalf("stored after rejection: %v %s", err, messages(got.Events))
	}
}
