// GraphiQL served by the catalog itself: React, GraphiQL and its stylesheet come from the
// npm packages pinned in web/package-lock.json, bundled by web/build.mjs.
import React from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import "graphiql/graphiql.css";
import "./graphiql-page.css";
import { TOKEN_KEY } from "./token.js";

// A working first query against the demo data (`./scripts/run` loads it): Q1, the trace of
// one prediction to the data, code and owners that produced it.
const DEFAULT_QUERY = `# Q1: which data, which code and which owner produced this prediction?
# Put your token in the Headers tab below (./scripts/run prints one), then press Run (Ctrl-Enter).
query Trace($key: String! = "pred-00000042") {
  predictionTrace(key: $key) {
    deployment { key }
    modelVersion { key stage }
    trainingRun { key startedAt }
    datasetVersions { key contentHash }
    features { key }
    codeCommits { key author { key } }
    owners {
      role
      inherited
      owner { ... on Person { key } ... on Team { key } ... on ServiceAccount { key } }
      target { id }
    }
  }
}
`;

function defaultHeaders() {
  let token = null;
  try {
    token = window.sessionStorage.getItem(TOKEN_KEY);
  } catch (e) {
    token = null;
  }
  return JSON.stringify({ Authorization: `Bearer ${token || "<paste your lcat_ token here>"}` }, null, 2);
}

const params = new URLSearchParams(window.location.search);
const props = {
  fetcher: createGraphiQLFetcher({ url: window.location.pathname || "/graphql" }),
  defaultQuery: DEFAULT_QUERY,
  defaultHeaders: defaultHeaders(),
  defaultEditorToolsVisibility: "headers",
  isHeadersEditorEnabled: true,
  shouldPersistHeaders: false,
};
// A link from the explorer ("open in GraphiQL") carries its question; never a token.
if (params.get("query")) {
  props.query = params.get("query");
  props.variables = params.get("variables") || undefined;
  props.headers = defaultHeaders();
}

createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, props));
