// Reads the files of `go run ./examples/export` back with DuckDB and prints
// {"parquet": {table: rows}, "zeek": {log: rows}, "uids_missing_from_conn": n}.
//
//	node readback.mjs DIR
//
// Zeek TSV logs are read with DuckDB's CSV reader, configured from the
// log's own #separator/#fields/#unset_field headers as zeek-cut would; Zeek
// JSON logs with read_ndjson_objects; Parquet with read_parquet.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
const q = async (sql) => (await c.runAndReadAll(sql)).getRowObjects();
const lit = (s) => "'" + s.replaceAll("'", "''") + "'";
const out = { parquet: {}, zeek: {}, format: '', uids_missing_from_conn: 0, conn_uids_distinct: 0 };
const views = {};
for (const f of fs.readdirSync(dir).sort()) {
  const p = path.join(dir, f);
  if (f.endsWith('.parquet')) {
    const [r] = await q(`select count(*)::INTEGER as n from read_parquet(${lit(p)})`);
    out.parquet[f.replace('.parquet', '')] = r.n;
  } else if (f.endsWith('.log')) {
    const name = f.replace('.log', '');
    const text = fs.readFileSync(p, 'utf8');
    let rel;
    if (text.startsWith('#separator')) {
      out.format = 'tsv';
      const fields = text.split('\n').find((l) => l.startsWith('#fields\t')).split('\t').slice(1);
      const cols = '{' + fields.map((n) => `${lit(n)}: 'VARCHAR'`).join(', ') + '}';
      rel = `read_csv(${lit(p)}, delim='\t', header=false, comment='#', quote='', escape='', nullstr='-', auto_detect=false, columns=${cols})`;
    } else {
      out.format = 'json';
      rel = text.trim() === '' ? null : `read_ndjson_objects(${lit(p)})`;
    }
    if (rel === null) {
      out.zeek[name] = 0;
      continue;
    }
    views[name] = rel;
    const [r] = await q(`select count(*)::INTEGER as n from ${rel}`);
    out.zeek[name] = r.n;
  }
}
// Every uid of dns, ssl and http lines must name a conn line.
const uidOf = (name) => (out.format === 'json' ? `json_extract_string(json, '$.uid')` : `"uid"`);
if (views.conn) {
  const [d] = await q(`select count(distinct ${uidOf('conn')})::INTEGER as n from ${views.conn}`);
  out.conn_uids_distinct = d.n;
  for (const name of ['dns', 'ssl', 'http']) {
    if (!views[name]) continue;
    const [m] = await q(`select count(*)::INTEGER as n from ${views[name]} where ${uidOf(name)} is not null and ${uidOf(name)} not in (select ${uidOf('conn')} from ${views.conn})`);
    out.uids_missing_from_conn += m.n;
  }
}
console.log(JSON.stringify(out));
