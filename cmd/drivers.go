package cmd

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/nats"
	"github.com/mqscope/mqscope/sources/rabbitmq"
	"github.com/mqscope/mqscope/sources/redis"
	"github.com/mqscope/mqscope/sources/sqs"
)

// drivers are the brokers mqscope speaks, one line each: their flags,
// their config entries, how they open.
func drivers() []sources.Driver {
	return []sources.Driver{
		kafka.Driver(),
		rabbitmq.Driver(),
		sqs.Driver(),
		nats.Driver(),
		redis.Driver(),
	}
}

// adHocFlags are the values of one driver's flags.
type adHocFlags struct {
	driver sources.Driver
	// value is the driver's flag (--kafka ADDR); on is a Switch's (--sqs).
	value string
	on    bool
	// single and multi hold the More flags by name.
	single map[string]*string
	multi  map[string]*[]string
}

// registerDriverFlags adds every driver's flags to fs.
func registerDriverFlags(fs *pflag.FlagSet, ds []sources.Driver) []*adHocFlags {
	out := make([]*adHocFlags, len(ds))
	for i, d := range ds {
		f := &adHocFlags{driver: d, single: map[string]*string{}, multi: map[string]*[]string{}}
		if d.Switch {
			fs.BoolVar(&f.on, d.Flag, false, d.Usage)
		} else {
			fs.StringVar(&f.value, d.Flag, envOr(d.Env), d.Usage)
		}
		for _, m := range d.More {
			if m.Repeated {
				f.multi[m.Name] = fs.StringArray(m.Name, nil, m.Usage)
			} else {
				f.single[m.Name] = fs.String(m.Name, envOr(m.Env), m.Usage)
			}
		}
		out[i] = f
	}
	return out
}

// envOr is a flag's default: the environment variable's value ("" when
// none is named).
func envOr(name string) string {
	if name == "" {
		return ""
	}
	return os.Getenv(name)
}

// given reports flags that open the driver's connection.
func (f *adHocFlags) given() bool {
	if f.value != "" || f.on {
		return true
	}
	for _, m := range f.driver.More {
		if m.Opens && f.more().Get(m.Name) != "" {
			return true
		}
	}
	return false
}

// more are the values of the More flags that were given.
func (f *adHocFlags) more() sources.FlagValues {
	v := sources.FlagValues{}
	for name, p := range f.single {
		if *p != "" {
			v[name] = []string{*p}
		}
	}
	for name, p := range f.multi {
		if len(*p) > 0 {
			v[name] = *p
		}
	}
	return v
}

// adHocOf is the flags of the driver of kind.
func (e *env) adHocOf(kind string) *adHocFlags {
	for _, f := range e.adHocFlags {
		if f.driver.Kind == kind {
			return f
		}
	}
	return &adHocFlags{single: map[string]*string{}, multi: map[string]*[]string{}}
}

// driver is the driver of kind (a zero Driver when there is none).
func (e *env) driver(kind string) sources.Driver {
	for _, d := range e.drivers {
		if d.Kind == kind {
			return d
		}
	}
	return sources.Driver{}
}
