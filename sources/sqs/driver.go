package sqs

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/sources"
)

// Driver is Amazon SQS as the rest of mqscope sees it: --sqs (with
// --region, --profile, and --sqs-endpoint, which implies it) and config
// entries of kind sqs (region, profile, endpoint).
func Driver() sources.Driver {
	return sources.Driver{
		Kind:    "sqs",
		Summary: "Amazon SQS queues: redrive policies, receive counts, native DLQ moves",
		Flag:    "sqs",
		Usage:   "Amazon SQS with the standard credential chain (--region, --profile; env AWS_*)",
		Switch:  true,
		More: []sources.Flag{
			{Name: "sqs-endpoint", Usage: "SQS endpoint URL for an emulator (goaws, LocalStack); implies --sqs (env MQSCOPE_SQS_ENDPOINT)", Env: "MQSCOPE_SQS_ENDPOINT", Opens: true},
			{Name: "region", Usage: "AWS region for --sqs (default: AWS_REGION or the profile's)"},
			{Name: "profile", Usage: "AWS shared-config profile for --sqs"},
		},
		FromFlags: func(_ string, more sources.FlagValues) (sources.Spec, error) {
			o := Options{Region: more.Get("region"), Profile: more.Get("profile"), Endpoint: more.Get("sqs-endpoint")}
			return sources.Spec{Address: cmp.Or(o.Endpoint, o.Region, "(default region)"), Auth: auth(o.Profile), Open: func(ctx context.Context, _ sources.OpenEnv) (sources.Conn, error) {
				return Dial(ctx, o)
			}}, nil
		},
		FromConfig: fromConfig,
		Example:    example,
	}
}

// configEntry is an sqs connection's own keys (the credential chain does the
// rest; endpoint is for emulators).
type configEntry struct {
	Region   string `yaml:"region"`
	Profile  string `yaml:"profile"`
	Endpoint string `yaml:"endpoint"`
}

// auth says where the credentials come from.
func auth(profile string) string {
	if profile != "" {
		return "profile " + profile
	}
	return "credential chain"
}

// fromConfig reads an sqs configEntry.
func fromConfig(name string, node *yaml.Node) (sources.Spec, error) {
	var en configEntry
	if err := config.DecodeEntry(node, &en); err != nil {
		return sources.Spec{}, err
	}
	if en.Endpoint != "" && !strings.HasPrefix(en.Endpoint, "http://") && !strings.HasPrefix(en.Endpoint, "https://") {
		return sources.Spec{}, config.Refuse("endpoint", fmt.Sprintf("%q: want http(s)://host:port", en.Endpoint))
	}
	o := Options{Name: name, Configured: true, Region: en.Region, Profile: en.Profile, Endpoint: en.Endpoint}
	return sources.Spec{Address: cmp.Or(en.Endpoint, en.Region, en.Profile, "(default region)"), Auth: auth(en.Profile), Open: func(ctx context.Context, _ sources.OpenEnv) (sources.Conn, error) {
		return Dial(ctx, o)
	}}, nil
}

// example is the sqs connection of the example config.
const example = `  aws:
    kind: sqs
    region: eu-west-1
    profile: prod        # credentials from the standard chain
    # endpoint: http://127.0.0.1:4100   # an emulator
`
