/**
 * The dashboard's entry: its styles (uPlot's and ours, bundled into one
 * stylesheet by esbuild) and the app, rendered into the page's `#app`.
 */
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { render } from "preact";
import { App } from "./app.js";

render(<App />, document.getElementById("app")!);
