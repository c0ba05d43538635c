import { render } from "preact";

render(<h1>API tokens</h1>, document.getElementById("app")!);
