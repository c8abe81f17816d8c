package sources

// Reach is how a command line opens a connection again.
type Reach struct {
	// Flags are mqscope's global flags that open it: -c NAME for an entry
	// of the config, else the broker's flag and address (--kafka
	// host:9092), never a password.
	Flags []string
	// Credentials says the connection authenticates with what Flags leave
	// out: the command needs them from the environment or the config.
	Credentials bool
	// KcatBrokers is kcat's -b list when kcat can reach the connection
	// (it speaks the Kafka protocol); "" when it cannot.
	KcatBrokers string
}

// Reacher is a connection that says how a command line reaches it.
type Reacher interface {
	// Reach is the flags that open this connection again.
	Reach() Reach
}
