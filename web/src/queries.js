// The GraphQL the explorer sends: one query per gesture (open, expand / show more, details,
// search). Every field comes from the API; the page computes no lineage itself.

const OWNER = `owner { ... on Person { key name } ... on Team { key name } ... on ServiceAccount { key name } }`;

export const NODE_FIELDS = `
fragment ExploreNodeFields on ExploreNode {
  id hops upstreamCount downstreamCount classifications
  neighbourCounts { direction kind count }
  node {
    id kind key
    ... on Dataset { name owners(asOf: $asOf) { role inherited ${OWNER} } }
    ... on DatasetVersion { version owners(asOf: $asOf) { role inherited ${OWNER} } }
    ... on Feature { name owners(asOf: $asOf) { role inherited ${OWNER} } }
    ... on Run { runKind status startedAt }
    ... on CodeCommit { repo message }
    ... on Model { name owners(asOf: $asOf) { role inherited ${OWNER} } }
    ... on ModelVersion { version stage owners(asOf: $asOf) { role inherited ${OWNER} } }
    ... on Deployment {
      name environment
      owners(asOf: $asOf) { role inherited ${OWNER} }
      serving(asOf: $asOf) { role trafficShare modelVersion { key } }
    }
    ... on Prediction { time output }
    ... on Evaluation { createdAt }
  }
}
fragment ExploreGraphFields on ExploreGraph {
  start truncated asOf
  nodes { ...ExploreNodeFields }
  edges { type source target role trafficShare }
  pages { id direction loaded total hasMore endCursor }
}`;

export const EXPLORE = `query Explore($id: ID!, $direction: Direction!, $depth: Int!, $first: Int, $asOf: DateTime) {
  explore(id: $id, direction: $direction, depth: $depth, first: $first, asOf: $asOf) {
    ...ExploreGraphFields
  }
}
${NODE_FIELDS}`;

export const NEIGHBOURS = `query ExploreNeighbours($id: ID!, $direction: Direction!, $first: Int, $after: String, $asOf: DateTime) {
  exploreNeighbours(id: $id, direction: $direction, first: $first, after: $after, asOf: $asOf) {
    ...ExploreGraphFields
  }
}
${NODE_FIELDS}`;

export const SEARCH = `query Search($text: String!) {
  search(text: $text, first: 20) {
    score
    node {
      id kind key
      ... on Dataset { name description }
      ... on Feature { name }
      ... on Model { name }
      ... on Job { name }
      ... on Person { name }
      ... on Team { name }
    }
  }
}`;

export const DETAILS = `query Details($id: ID!, $asOf: DateTime) {
  node(id: $id) {
    id kind key recordedAt
    ... on Dataset { name description tags platform location owners(asOf: $asOf) { role inherited since until ${OWNER} } }
    ... on DatasetVersion {
      version contentHash location rowCount createdAt dataset { id name }
      owners(asOf: $asOf) { role inherited since until ${OWNER} }
    }
    ... on Feature { name description dtype tags owners(asOf: $asOf) { role inherited since until ${OWNER} } }
    ... on CodeCommit { repo sha message authoredAt author { key name } }
    ... on Run {
      runKind status startedAt endedAt parameters runEnvironment: environment job { id name }
      triggeredBy { ... on Person { key } ... on ServiceAccount { key } ... on Team { key } }
    }
    ... on Model { name description tags owners(asOf: $asOf) { role inherited since until ${OWNER} } }
    ... on ModelVersion {
      version stage artifactUri metrics model { id name }
      owners(asOf: $asOf) { role inherited since until ${OWNER} }
    }
    ... on Deployment {
      name environment endpoint strategy
      owners(asOf: $asOf) { role inherited since until ${OWNER} }
      serving(asOf: $asOf) { role trafficShare validFrom modelVersion { key } }
      servingHistory { role trafficShare validFrom validTo reason changedBy modelVersion { key } }
    }
    ... on Prediction { time output }
    ... on Evaluation { metrics createdAt }
  }
  classificationsUpstream(id: $id, asOf: $asOf) { classification path holder { id } }
  auditTrail(target: [$id], first: 5) {
    edges { node { time actor action reason } }
  }
}`;
