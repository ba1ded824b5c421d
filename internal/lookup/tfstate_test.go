package lookup

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func loadFixture(t *testing.T, name string) *State {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseState(name, data)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return st
}

func TestStateGet(t *testing.T) {
	st := loadFixture(t, "network.tfstate")
	for _, tc := range []struct{ addr, want string }{
		// Outputs of each type.
		{"outputs.example_vpc_id", "vpc-0a1b2c3d4e5f60000"},
		{"outputs.private_subnet_ids", `["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]`},
		{"outputs.private_subnet_ids[1]", "subnet-0a1b2c3d4e5f60002"},
		{"outputs.subnet_ids_by_az", `{"ap-northeast-1a": "subnet-0a1b2c3d4e5f60001", "ap-northeast-1c": "subnet-0a1b2c3d4e5f60002"}`},
		{`outputs.subnet_ids_by_az["ap-northeast-1c"]`, "subnet-0a1b2c3d4e5f60002"},
		{"outputs.nat_gateway_count", "2"},
		{"outputs.flow_logs_enabled", "true"},
		// A single resource, count, for_each, splat.
		{"aws_vpc.main.cidr_block", "10.0.0.0/16"},
		{"aws_vpc.main.tags.Name", "example"},
		{"aws_subnet.private[0].id", "subnet-0a1b2c3d4e5f60001"},
		{"aws_subnet.private[1].availability_zone", "ap-northeast-1c"},
		{`aws_subnet.az["a"].id`, "subnet-0a1b2c3d4e5f6000a"},
		{`aws_subnet.az["c"].cidr_block`, "10.0.12.0/24"},
		{"aws_subnet.private[*].id", `["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]`},
		{"aws_subnet.az[*].id", `["subnet-0a1b2c3d4e5f6000a", "subnet-0a1b2c3d4e5f6000c"]`}, // sorted by key
		{"aws_security_group.app.egress[0].cidr_blocks", `["0.0.0.0/0"]`},
		{"aws_security_group.app.egress[*].protocol", `["-1"]`},
		// Data sources and modules.
		{"data.aws_availability_zones.available.names[2]", "ap-northeast-1d"},
		{`module.endpoints.aws_vpc_endpoint.this["ecr.dkr"].id`, "vpce-0a1b2c3d4e5f6e002"},
		{"module.vpc.aws_route_table.private[0].id", "rtb-0a1b2c3d4e5f6r001"},
	} {
		v, err := st.Get(tc.addr)
		if err != nil {
			t.Errorf("Get(%s): %v", tc.addr, err)
			continue
		}
		got, err := Render(v.V)
		if err != nil || got != tc.want {
			t.Errorf("Get(%s) renders %q (%v), want %q", tc.addr, got, err, tc.want)
		}
	}
	v, err := st.Get("outputs.vpn_psk")
	if err != nil || !v.Sensitive {
		t.Fatalf("sensitive output: %+v %v", v, err)
	}
	if v, _ := st.Get("outputs.example_vpc_id"); v.Sensitive {
		t.Fatal("a plain output must not be sensitive")
	}
}

func TestStateGetNotFound(t *testing.T) {
	st := loadFixture(t, "network.tfstate")
	for _, tc := range []struct{ addr, want string }{
		{"outputs.example_vpc", `no output "example_vpc"; did you mean "example_vpc_id"? its outputs: example_vpc_id, flow_logs_enabled, nat_gateway_count, private_subnet_ids, subnet_ids_by_az, vpn_psk`},
		{"outputs.private_subnet_ids[2]", "outputs.private_subnet_ids has 2 elements, so [2] is out of range (use [0] to [1])"},
		{`outputs.subnet_ids_by_az["ap-northeast-1d"]`, `outputs.subnet_ids_by_az has no key "ap-northeast-1d"; did you mean "ap-northeast-1a"? it has: ap-northeast-1a, ap-northeast-1c`},
		{"outputs.example_vpc_id.id", `outputs.example_vpc_id is a string, not an object: .id does not apply`},
		{"aws_subnet.privat[0].id", "no resource aws_subnet.privat; did you mean \"aws_subnet.private\"? resources: aws_subnet.az, aws_subnet.private"},
		{"aws_subnets.private[0].id", `no resource aws_subnets.private; did you mean "aws_subnet.private"? resources: ` +
			"aws_security_group.app, aws_subnet.az, aws_subnet.private, aws_vpc.main, data.aws_availability_zones.available, module.endpoints.aws_vpc_endpoint.this, module.vpc.aws_route_table.private"},
		{"aws_subnet.private.id", "aws_subnet.private has 2 instances (count): [0] [1]; pick one, e.g. aws_subnet.private[0].id, or all with aws_subnet.private[*].id"},
		{"aws_subnet.private[5].id", "aws_subnet.private has no instance [5]; it has 2 instances (count): [0] [1]"},
		{`aws_subnet.az["b"].id`, `aws_subnet.az has no instance ["b"]; it has 2 instances (for_each): ["a"] ["c"]`},
		{"aws_subnet.az.id", `aws_subnet.az has 2 instances (for_each): ["a"] ["c"]; pick one, e.g. aws_subnet.az["a"].id, or all with aws_subnet.az[*].id`},
		{"aws_vpc.main[0].id", "aws_vpc.main has no count or for_each, so it takes no index: write aws_vpc.main.id"},
		{"aws_vpc.main.cidr", `aws_vpc.main has no attribute "cidr"; did you mean "cidr_block"? it has: arn, cidr_block, enable_dns_hostnames, enable_dns_support, id, tags`},
		{"aws_vpc.main.tags.Owner", `aws_vpc.main.tags has no attribute "Owner"; it has: Name`},
		{"module.vpc.aws_route_table.public[0].id", "no resource module.vpc.aws_route_table.public; did you mean \"module.vpc.aws_route_table.private\"? resources: module.vpc.aws_route_table.private"},
		{"aws_route_table.private[0].id", "no resource aws_route_table.private; did you mean \"module.vpc.aws_route_table.private\"? resources: module.vpc.aws_route_table.private"},
	} {
		_, err := st.Get(tc.addr)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("Get(%s): %v, want a NotFoundError", tc.addr, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Get(%s):\n got: %s\nwant: %s", tc.addr, err, tc.want)
		}
	}
}

func TestParseAddressErrors(t *testing.T) {
	for addr, want := range map[string]string{
		"":                              "it is empty",
		"aws_vpc.main":                  "name an attribute of aws_vpc.main, e.g. aws_vpc.main.id",
		"output.vpc_id":                 "outputs are read as outputs.vpc_id",
		"outputs.":                      "it ends with a dot",
		"aws_subnet.private[x].id":      "index [x] is neither a number",
		`aws_subnet.az["a].id`:          "unterminated string",
		"module.vpc[*].aws_vpc.this.id": "pick one module instance",
		"aws_vpc.main id":               "unexpected ' '",
	} {
		_, err := parseAddress(addr)
		var ae *AddressError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), want) {
			t.Errorf("parseAddress(%q) = %v, want an AddressError containing %q", addr, err, want)
		}
	}
	a, err := parseAddress(`module.app["web"].module.lb[0].data.aws_lb.this.dns_name`)
	if err != nil {
		t.Fatal(err)
	}
	if a.module != `module.app["web"].module.lb[0]` || a.mode != "data" || a.typ != "aws_lb" || a.name != "this" || pathString(a.path) != ".dns_name" {
		t.Fatalf("parsed %+v", a)
	}
}

func TestParseStateRejects(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"v3":         {`{"version": 3, "terraform_version": "0.11.14", "modules": []}`, "format version 3; ecsctl reads version 4"},
		"not json":   {`<html>AccessDenied</html>`, "is not a Terraform state (JSON)"},
		"no version": {`{"outputs": {}}`, `it has no "version"`},
	} {
		_, err := ParseState("s3://b/k", []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{"plain: with colon", "plain: with colon"},
		{[]any{`quo"te`, "é", "<b>"}, `["quo\"te", "é", "<b>"]`},
		{[]any{}, "[]"},
		{map[string]any{"b": []any{"x"}, "a": nil}, `{"a": null, "b": ["x"]}`},
	} {
		got, err := Render(tc.v)
		if err != nil || got != tc.want {
			t.Errorf("Render(%v) = %q, %v; want %q", tc.v, got, err, tc.want)
		}
	}
	if _, err := Render(nil); err == nil {
		t.Error("a null value must not render")
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"example_vpc_id", "private_subnet_ids", "public_subnet_ids"}
	for got, want := range map[string]string{
		"example_vpcid":     "example_vpc_id",
		"private_subnet_id": "private_subnet_ids",
		"pubilc_subnet_ids": "public_subnet_ids",
		"cluster_name":      "",
	} {
		if s := suggest(got, known); s != want {
			t.Errorf("suggest(%q) = %q, want %q", got, s, want)
		}
	}
}
