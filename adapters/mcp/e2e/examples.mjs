// Prints an example call and answer of every tool on the testdata
// capture, for the README:  node examples.mjs BINARY TESTDATA_DIR
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

// Further roots (the library's testdata, the shared captures) after the first.
const [bin, root, ...more] = process.argv.slice(2);
const path = "http_curl_loopback.pcap";
const calls = [
  ["capabilities", {}],
  ["capture_info", { path }],
  ["analyze", { path, top: 3 }],
  ["list_flows", { path, sort: "bytes", limit: 1 }],
  ["tcp_issues", { path }],
  ["list_findings", { path, min_severity: "medium" }],
  ["attack_matrix", { path }],
  ["dns_stats", { path: "dns_dga_nxdomain.pcap", limit: 2 }],
  ["tls_sessions", { path: "tls-expired-cert.pcap", problem: "expired", limit: 1 }],
  ["http_requests", { path, status: "4xx" }],
  ["dhcp_activity", { path: "dhcp_rogue_dnsmasq.pcap", limit: 1 }],
  ["icmp_activity", { path: "icmp_traceroute_netns.pcap", limit: 1 }],
  ["sip_calls", { path: "sip-wireshark.pcap", limit: 1 }],
  ["find_beacons", { path: "beacon_http_jitter.pcap", limit: 1 }],
  ["host_timeline", { path: "scan_nmap_syn.pcap", ip: "10.0.1.1", kind: "finding", limit: 1 }],
  ["filter_packets", { path, ports: [18081] }],
  ["carve_pcap", { path: "scan_nmap_syn.pcap", finding: 0 }],
  ["analyze_corpus", { dir: "." }],
  ["capture_info", { path: "../../../../etc/passwd" }],
];
const client = new Client({ name: "pcapai-examples", version: "1.0.0" });
await client.connect(new StdioClientTransport({ command: bin, args: ["--root", root, ...more.flatMap((r) => ["--root", r]), "--summary-only", "--out", process.env.PCAPAI_OUT ?? "/tmp/pcapai-carved"] }));
for (const [name, args] of calls) {
  const res = await client.callTool({ name, arguments: args });
  console.log(`### ${name}\n\nCall: \`${JSON.stringify({ name, arguments: args })}\`\n`);
  console.log(`Text: ${res.content[0].text}\n`);
  if (res.structuredContent) console.log("```json\n" + JSON.stringify(res.structuredContent, null, 1) + "\n```\n");
}
await client.close();
