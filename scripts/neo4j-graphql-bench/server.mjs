// The catalog's graph served by the Neo4j GraphQL Library (graphql-yoga), for the benchmark
// only: scripts/bench.py starts it against its own database and stops it at the end.
// It has no authentication; it listens on 127.0.0.1 only.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

import { Neo4jGraphQL } from "@neo4j/graphql";
import { createYoga } from "graphql-yoga";
import neo4j from "neo4j-driver";

const uri = process.env.NEO4J_URI ?? "bolt://127.0.0.1:7687";
const port = Number(process.env.PORT ?? 4000);
const typeDefs = readFileSync(new URL("./typeDefs.graphql", import.meta.url), "utf8");

// The local Neo4j has authentication off and accepts any credentials.
const driver = neo4j.driver(uri, neo4j.auth.basic("neo4j", "unused"), {
  maxConnectionPoolSize: 100,
});
// String `gt` lets W6 page by key after a cursor, as the catalog's nodes(after:) does.
const features = { filters: { String: { GT: true } } };
const schema = await new Neo4jGraphQL({ typeDefs, driver, features }).getSchema();
const yoga = createYoga({
  schema,
  graphqlEndpoint: "/graphql",
  healthCheckEndpoint: "/health",
  graphiql: false,
  logging: "warn",
  maskedErrors: false,
});
const server = createServer(yoga);
server.listen(port, "127.0.0.1", () => console.log(`READY http://127.0.0.1:${port}/graphql`));

async function stop() {
  server.close();
  await driver.close();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
