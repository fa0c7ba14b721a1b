// Prints an example call and answer of every tool on the testdata
// capture, for the README:  node examples.mjs BINARY TESTDATA_DIR
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [bin, root] = process.argv.slice(2);
const path = "http_curl_loopback.pcap";
const calls = [
  ["capabilities", {}],
  ["capture_info", { path }],
  ["analyze", { path, top: 3 }],
  ["list_flows", { path, sort: "bytes", limit: 1 }],
  ["tcp_issues", { path }],
  ["list_findings", { path, min_severity: "medium" }],
  ["attack_matrix", { path }],
  ["analyze_corpus", { dir: "." }],
  ["capture_info", { path: "../../../../etc/passwd" }],
];
const client = new Client({ name: "pcapai-examples", version: "1.0.0" });
await client.connect(new StdioClientTransport({ command: bin, args: ["--root", root, "--summary-only"] }));
for (const [name, args] of calls) {
  const res = await client.callTool({ name, arguments: args });
  console.log(`### ${name}\n\nCall: \`${JSON.stringify({ name, arguments: args })}\`\n`);
  console.log(`Text: ${res.content[0].text}\n`);
  if (res.structuredContent) console.log("```json\n" + JSON.stringify(res.structuredContent, null, 1) + "\n```\n");
}
await client.close();
