// Colour and shape per kind: the graph's styles and the legend come from this one table.
export const KINDS = {
  Dataset: { colour: "#1f6fb2", shape: "barrel", label: "Dataset" },
  DatasetVersion: { colour: "#3b8fd9", shape: "round-rectangle", label: "Dataset version" },
  Feature: { colour: "#138a7e", shape: "hexagon", label: "Feature" },
  Run: { colour: "#6b7280", shape: "ellipse", label: "Run (activity)" },
  CodeCommit: { colour: "#7c3aed", shape: "diamond", label: "Code commit" },
  Job: { colour: "#4b5563", shape: "round-tag", label: "Job" },
  Model: { colour: "#b45309", shape: "octagon", label: "Model" },
  ModelVersion: { colour: "#d97706", shape: "octagon", label: "Model version" },
  Deployment: { colour: "#15803d", shape: "rhomboid", label: "Deployment" },
  Prediction: { colour: "#be185d", shape: "triangle", label: "Prediction" },
  Evaluation: { colour: "#a16207", shape: "star", label: "Evaluation" },
  Person: { colour: "#374151", shape: "round-rectangle", label: "Person" },
  Team: { colour: "#374151", shape: "round-rectangle", label: "Team" },
  ServiceAccount: { colour: "#374151", shape: "round-rectangle", label: "Service account" },
  Classification: { colour: "#b91c1c", shape: "round-rectangle", label: "Classification" },
};

export function kindOf(kind) {
  return KINDS[kind] || { colour: "#6b7280", shape: "ellipse", label: kind };
}

// Legend swatches as small SVG outlines of each shape (points on a 0..20 square).
const POINTS = {
  barrel: "3,3 17,3 19,10 17,17 3,17 1,10",
  "round-rectangle": "2,4 18,4 18,16 2,16",
  hexagon: "5,2 15,2 19,10 15,18 5,18 1,10",
  ellipse: null,
  diamond: "10,1 19,10 10,19 1,10",
  "round-tag": "2,3 14,3 19,10 14,17 2,17",
  octagon: "6,1 14,1 19,6 19,14 14,19 6,19 1,14 1,6",
  rhomboid: "5,3 19,3 15,17 1,17",
  triangle: "10,2 19,18 1,18",
  star: "10,1 12.5,7.5 19,7.5 14,11.5 16,18.5 10,14.5 4,18.5 6,11.5 1,7.5 7.5,7.5",
};

export function swatch(kind) {
  const { colour, shape } = kindOf(kind);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 20 20");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  const points = POINTS[shape];
  const el = document.createElementNS(ns, points ? "polygon" : "ellipse");
  if (points) {
    el.setAttribute("points", points);
  } else {
    el.setAttribute("cx", "10");
    el.setAttribute("cy", "10");
    el.setAttribute("rx", "9");
    el.setAttribute("ry", "7");
  }
  el.setAttribute("fill", colour);
  svg.appendChild(el);
  return svg;
}
