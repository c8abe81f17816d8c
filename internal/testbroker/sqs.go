package testbroker

import (
	"testing"

	"github.com/mqscope/mqscope/internal/sqsemu"
)

// SQS starts goaws (an in-process SQS speaking the JSON protocol) once per
// test binary, as goaws keeps global state, and returns its endpoint. It
// sets fixed credentials and a region for the AWS SDK and keeps the host's
// AWS config out. Tests use queue names of their own.
func SQS(t testing.TB) string {
	t.Helper()
	url, err := sqsemu.Start()
	if err != nil {
		t.Fatalf("goaws: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "mqscope-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "mqscope-test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return url
}
