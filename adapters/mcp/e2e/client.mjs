// End-to-end test of pcapai-mcp with the official MCP TypeScript SDK
// client, over stdio and Streamable HTTP. The SDK client validates every
// structuredContent against the tool's declared outputSchema (ajv).
//
//   node client.mjs BINARY TESTDATA_DIR [HTTP_URL]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import assert from "node:assert/strict";

const [bin, root, httpURL] = process.argv.slice(2);
const capture = "http_curl_loopback.pcap";
const expected = ["capabilities", "capture_info", "analyze", "list_flows", "tcp_issues", "dns_stats", "tls_sessions", "http_requests",
  "dhcp_activity", "icmp_activity", "sip_calls", "find_beacons", "list_findings", "attack_matrix", "host_timeline", "filter_packets",
  "carve_pcap", "analyze_corpus"];

const calls = {
  capabilities: [{}, (s) => assert.ok(s.tools.includes("analyze"))],
  capture_info: [{ path: capture }, (s) => assert.equal(s.capture.packets, 26)],
  analyze: [{ path: capture }, (s) => { assert.equal(s.flows.total, 3); assert.equal(s.flows.tcp_rejected, 1); }],
  list_flows: [{ path: capture, port: 18081 }, (s) => assert.equal(s.flows[0].flow.state, "REJ")],
  tcp_issues: [{ path: capture }, (s) => assert.equal(s.totals.resets, 1)],
  list_findings: [{ path: capture }, (s) => { assert.equal(s.total, 1); assert.ok(s.findings[0].evidence.frames.length > 0); }],
  attack_matrix: [{ path: capture }, (s) => assert.ok(Array.isArray(s.matrix.tactics))],
  analyze_corpus: [{ dir: "." }, (s) => assert.equal(s.files_total, 1)],
  dns_stats: [{ path: capture }, (s) => assert.equal(s.summary.queries, 0)],
  tls_sessions: [{ path: capture }, (s) => assert.equal(s.sessions_total, 0)],
  http_requests: [{ path: capture, status: "4xx" }, (s) => assert.equal(s.requests[0].uri, "/missing")],
  dhcp_activity: [{ path: capture }, (s) => assert.equal(s.messages_total, 0)],
  icmp_activity: [{ path: capture }, (s) => assert.equal(s.packets, 0)],
  sip_calls: [{ path: capture }, (s) => assert.equal(s.calls_total, 0)],
  find_beacons: [{ path: capture }, (s) => assert.equal(s.beacons_total, 0)],
  host_timeline: [{ path: capture, ip: "127.0.0.1" }, (s) => assert.ok(s.events.length > 0)],
  filter_packets: [{ path: capture, ports: [18081] }, (s) => assert.equal(s.total, 2)],
  carve_pcap: [{ path: capture, tcp_flags_set: ["RST"] }, (s) => assert.equal(s.packets, 1)],
};

const bad = [
  ["capture_info", { path: "missing.pcap" }, /does not exist/],
  ["capture_info", { path: "/etc/passwd" }, /outside the allowed roots/],
  ["capture_info", { path: "../../../../etc/passwd" }, /outside the allowed roots/],
  ["list_flows", { path: capture, limit: "ten" }, /limit/],
  ["list_flows", { path: capture, bogus: 1 }, /bogus/],
  ["analyze", { path: "record.sh" }, /not a capture/],
  ["filter_packets", { path: capture, protocols: ["bogus"] }, /unknown protocol/],
  ["host_timeline", { path: capture, ip: "10.9.9.9" }, /does not appear/],
  ["carve_pcap", { path: capture }, /say what to carve/],
  ["carve_pcap", { path: capture, ports: [1], name: "../x" }, /plain file name/],
  ["http_requests", { path: capture, status: "teapot" }, /use a code/],
];

async function exercise(name, transport) {
  const client = new Client({ name: "pcapai-e2e", version: "1.0.0" });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const e of expected) assert.ok(names.includes(e), `${name}: tool ${e} missing from ${names}`);
  for (const t of tools) {
    assert.equal(t.annotations?.readOnlyHint, t.name !== "carve_pcap", `${t.name} readOnlyHint`);
    assert.equal(t.annotations?.idempotentHint, t.name !== "carve_pcap", `${t.name} idempotentHint`);
    assert.equal(t.annotations?.destructiveHint, false, `${t.name} destructiveHint`);
    assert.ok(t.outputSchema, `${t.name} has no outputSchema`);
  }
  assert.equal(names.length, expected.length, `advertised ${names}`);
  for (const t of names) {
    const [args, check] = calls[t] ?? [{ path: capture }, () => {}];
    const res = await client.callTool({ name: t, arguments: args });
    assert.ok(!res.isError, `${name}: ${t} failed: ${JSON.stringify(res.content)}`);
    assert.ok(res.structuredContent, `${name}: ${t} has no structuredContent`);
    check(res.structuredContent);
    console.log(`ok ${name} ${t}: ${res.content[0].text.split("\n")[0].slice(0, 150)}`);
  }
  for (const [t, args, want] of bad) {
    const res = await client.callTool({ name: t, arguments: args });
    assert.equal(res.isError, true, `${name}: ${t}(${JSON.stringify(args)}) should fail`);
    assert.match(res.content[0].text, want);
    console.log(`ok ${name} ${t} bad input: ${res.content[0].text.slice(0, 120)}`);
  }
  // Progress token: the call still answers (progress may or may not come on a tiny file).
  const res = await client.callTool({ name: "analyze", arguments: { path: capture } }, undefined, { onprogress: () => {} });
  assert.ok(!res.isError);
  const prompts = await client.listPrompts();
  assert.equal(prompts.prompts.length, 5);
  const p = await client.getPrompt({ name: "triage_capture", arguments: { path: capture } });
  assert.ok(p.messages[0].content.text.includes(capture));
  const rs = await client.listResources();
  assert.ok(rs.resources.length >= 1, "no capture resources");
  const rr = await client.readResource({ uri: rs.resources[0].uri });
  assert.ok(JSON.parse(rr.contents[0].text).capture);
  console.log(`ok ${name}: prompts, resources`);
  await client.close();
}

await exercise("stdio", new StdioClientTransport({ command: bin, args: ["--root", root, "--out", process.env.PCAPAI_OUT], stderr: "inherit" }));
if (httpURL) {
  await exercise("http", new StreamableHTTPClientTransport(new URL(httpURL), {
    requestInit: { headers: { Authorization: `Bearer ${process.env.PCAPAI_TOKEN ?? ""}` } },
  }));
}
console.log("PASS");
