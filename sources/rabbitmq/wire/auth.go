package wire

import (
	"fmt"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
)

// MechanismError is a login that could not start: the broker offers none
// of the SASL mechanisms the connection is configured for.
type MechanismError struct {
	// Offered are the broker's mechanisms, Wanted the connection's.
	Offered, Wanted []string
}

func (e *MechanismError) Error() string {
	return fmt.Sprintf("the broker offers the SASL mechanisms %s, none of those configured (%s): set auth_mechanism in the URL to one it offers",
		strings.Join(e.Offered, " "), strings.Join(e.Wanted, " "))
}

// pickMechanism is the first of the client's mechanisms the broker
// offers (server: its space-separated list), as amqp091-go picks it.
func pickMechanism(client []amqp.Authentication, server string) (amqp.Authentication, error) {
	offered := strings.Fields(server)
	for _, a := range client {
		for _, m := range offered {
			if a.Mechanism() == m {
				return a, nil
			}
		}
	}
	wanted := make([]string, len(client))
	for i, a := range client {
		wanted[i] = a.Mechanism()
	}
	return nil, &MechanismError{Offered: offered, Wanted: wanted}
}

// saslOf is the mechanisms a connection tries: Options.SASL, or PLAIN with
// its user name and password.
func saslOf(o Options) []amqp.Authentication {
	if len(o.SASL) > 0 {
		return o.SASL
	}
	return []amqp.Authentication{&amqp.PlainAuth{Username: o.Username, Password: o.Password}}
}

// serverMechanisms reads the mechanisms of a connection.start (after its
// method id).
func serverMechanisms(p []byte) (string, error) {
	r := reader{b: p}
	r.u8()               // version-major
	r.u8()               // version-minor
	r.longstr()          // server-properties
	mechs := r.longstr() // mechanisms
	if r.err != nil {
		return "", fmt.Errorf("amqp handshake: connection.start: %w", r.err)
	}
	return string(mechs), nil
}
