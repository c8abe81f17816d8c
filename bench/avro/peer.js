// The peer of bench/avro: a kafkajs consumer that reads a topic from the
// beginning to the end offsets it has at the start, decodes each value
// through the Schema Registry with @kafkajs/confluent-schema-registry and
// writes one JSON line a record to stdout; it exits at the end offsets.
//   node peer.js BROKER REGISTRY_URL TOPIC GROUP
// kafkajs and @kafkajs/confluent-schema-registry come from NODE_PATH (bench/avro.sh
// installs them into the run's temporary directory).
'use strict';
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');

const [broker, registryURL, topic, group] = process.argv.slice(2);
if (!group) {
  process.stderr.write('usage: node peer.js BROKER REGISTRY_URL TOPIC GROUP\n');
  process.exit(2);
}

async function main() {
  const kafka = new Kafka({ clientId: 'bench-avro-peer', brokers: [broker], logLevel: logLevel.ERROR });
  const registry = new SchemaRegistry({ host: registryURL });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const end = new Map();
  let left = 0;
  for (const o of offsets) {
    if (Number(o.high) > Number(o.low)) {
      end.set(o.partition, Number(o.high));
      left++;
    }
  }
  let count = 0;
  const done = () => {
    process.stderr.write(`peer: ${count} records decoded\n`);
    process.exit(0);
  };
  if (left === 0) done();
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const high = end.get(batch.partition);
      if (high === undefined) return;
      const lines = [];
      let last = -1;
      for (const m of batch.messages) {
        const off = Number(m.offset);
        if (off >= high) break;
        const value = m.value === null ? null : await registry.decode(m.value);
        lines.push(JSON.stringify({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          timestamp: m.timestamp,
          key: m.key === null ? null : m.key.toString(),
          value,
        }));
        count++;
        last = off;
      }
      if (lines.length) process.stdout.write(lines.join('\n') + '\n');
      if (last + 1 >= high) {
        end.delete(batch.partition);
        if (--left === 0) done();
      }
    },
  });
}

main().catch((e) => {
  process.stderr.write(`peer: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
