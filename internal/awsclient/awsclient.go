// Package awsclient is the one place that builds the aws-sdk-go-v2
// configuration and service clients every ecsctl command uses.
package awsclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

// DefaultMaxAttempts is how many times a call is tried (the first try included)
// before its error is returned; adaptive retry mode also slows the client
// down when AWS throttles it.
const DefaultMaxAttempts = 10

// Options say how to reach AWS. Zero values mean "the SDK's default".
type Options struct {
	// Region from --region; it wins over ConfigRegion, which wins over
	// AWS_REGION and the profile's region.
	Region       string
	ConfigRegion string
	// Profile from --profile (else AWS_PROFILE, else default).
	Profile string
	// EndpointURL from --endpoint-url overrides every service's endpoint.
	// Without it the SDK still honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
	EndpointURL string
	// MaxAttempts per call; default DefaultMaxAttempts.
	MaxAttempts int
	// Version goes into the user agent as ecsctl/<version>.
	Version string
	// Debug, when set, receives one line per AWS call: service, operation,
	// duration, attempts and error. Never parameters: they may hold secrets.
	Debug io.Writer
}

// NoRegionError says no region was configured anywhere.
type NoRegionError struct{}

func (NoRegionError) Error() string {
	return "no AWS region: pass --region, set region: in ecsctl.yml, or set AWS_REGION"
}

// ExitCode marks a missing region as bad input.
func (NoRegionError) ExitCode() int { return 2 }

// Load builds the SDK configuration: the default credential chain (env,
// shared config and SSO, container credentials as in CodeBuild, IMDS), the
// region by precedence, the endpoint override, adaptive retries and the user agent.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	maxAttempts := o.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryMode(aws.RetryModeAdaptive),
		config.WithRetryMaxAttempts(maxAttempts),
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if r := firstNonEmpty(o.Region, o.ConfigRegion); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if o.EndpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(o.EndpointURL))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, NoRegionError{}
	}
	version := o.Version
	if version == "" {
		version = "dev"
	}
	cfg.APIOptions = append(cfg.APIOptions, awsmw.AddUserAgentKeyValue("ecsctl", version))
	if o.Debug != nil {
		cfg.APIOptions = append(cfg.APIOptions, debugLogger(o.Debug))
	}
	return cfg, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// debugLogger logs every call once it is done, retries included.
func debugLogger(w io.Writer) func(*middleware.Stack) error {
	var mu sync.Mutex
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ecsctlDebugLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				attempts := 1
				if r, ok := retry.GetAttemptResults(md); ok && len(r.Results) > 0 {
					attempts = len(r.Results)
				}
				line := fmt.Sprintf("aws %s %s %s attempts=%d", middleware.GetServiceID(ctx), middleware.GetOperationName(ctx),
					time.Since(start).Round(time.Millisecond), attempts)
				if err != nil {
					line += " error=" + errorCode(err)
				}
				mu.Lock()
				fmt.Fprintln(w, line)
				mu.Unlock()
				return out, md, err
			}), middleware.Before)
	}
}

// errorCode returns an AWS error code, or a short description, for logs.
func errorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "request-failed"
}

// Clients hands out service clients built from one configuration, each
// created on first use.
type Clients struct {
	Config aws.Config

	ecsOnce, ecrOnce, evOnce, schOnce, elbOnce, logsOnce, s3Once, ssmOnce, stsOnce sync.Once

	ecs  *ecs.Client
	ecr  *ecr.Client
	ev   *eventbridge.Client
	sch  *scheduler.Client
	elb  *elasticloadbalancingv2.Client
	logs *cloudwatchlogs.Client
	s3   *s3.Client
	ssm  *ssm.Client
	sts  *sts.Client
}

// NewClients returns Clients for cfg.
func NewClients(cfg aws.Config) *Clients { return &Clients{Config: cfg} }

func lazy[T any](once *sync.Once, p **T, mk func() *T) *T {
	once.Do(func() { *p = mk() })
	return *p
}

func (c *Clients) ECS() *ecs.Client {
	return lazy(&c.ecsOnce, &c.ecs, func() *ecs.Client { return ecs.NewFromConfig(c.Config) })
}

func (c *Clients) ECR() *ecr.Client {
	return lazy(&c.ecrOnce, &c.ecr, func() *ecr.Client { return ecr.NewFromConfig(c.Config) })
}

func (c *Clients) EventBridge() *eventbridge.Client {
	return lazy(&c.evOnce, &c.ev, func() *eventbridge.Client { return eventbridge.NewFromConfig(c.Config) })
}

func (c *Clients) Scheduler() *scheduler.Client {
	return lazy(&c.schOnce, &c.sch, func() *scheduler.Client { return scheduler.NewFromConfig(c.Config) })
}

func (c *Clients) ELBv2() *elasticloadbalancingv2.Client {
	return lazy(&c.elbOnce, &c.elb, func() *elasticloadbalancingv2.Client {
		return elasticloadbalancingv2.NewFromConfig(c.Config)
	})
}

func (c *Clients) Logs() *cloudwatchlogs.Client {
	return lazy(&c.logsOnce, &c.logs, func() *cloudwatchlogs.Client { return cloudwatchlogs.NewFromConfig(c.Config) })
}

// S3 uses path-style addressing when an endpoint is overridden (a simulator
// or an S3-compatible store cannot serve bucket.host names).
func (c *Clients) S3() *s3.Client {
	return lazy(&c.s3Once, &c.s3, func() *s3.Client { return NewS3(c.Config) })
}

func (c *Clients) SSM() *ssm.Client {
	return lazy(&c.ssmOnce, &c.ssm, func() *ssm.Client { return ssm.NewFromConfig(c.Config) })
}

func (c *Clients) STS() *sts.Client {
	return lazy(&c.stsOnce, &c.sts, func() *sts.Client { return sts.NewFromConfig(c.Config) })
}

// NewS3 returns an S3 client for cfg, path-style when an endpoint is overridden.
func NewS3(cfg aws.Config, optFns ...func(*s3.Options)) *s3.Client {
	pathStyle := cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = pathStyle }}, optFns...)...)
}
