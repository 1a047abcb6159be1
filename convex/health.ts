// Kept at its old path for dashboards already open in browsers: the banner's rule check (now also stats:rulesCheck).
export { rulesCheck } from "./stats";
