// CommonJS relay app for the register test, run as `node --require midstream-otel/register relay-app.cjs`:
// Express 5 with express.json(), the openai SDK upstream. Same env and output as relay-app.mjs.
const express = require('express');
const OpenAI = require('openai');

const openai = new OpenAI({ baseURL: process.env.UPSTREAM, apiKey: 'test', maxRetries: 0 });
const app = express();
app.post('/chat/:session', express.json(), async (req, res) => {
  try {
    const upstream = await openai.chat.completions.create({ model: process.env.MODEL, messages: req.body.messages, stream: true, stream_options: { include_usage: true } });
    res.set('content-type', 'text/event-stream').flushHeaders();
    for await (const item of upstream) res.write(`data: ${JSON.stringify(item.choices[0]?.delta?.content ?? '')}\n\n`);
    res.end();
  } finally {
    console.log('upstream done');
    server.closeAllConnections();
    server.close();
  }
});
const server = app.listen(0, '127.0.0.1', () => console.log(`relay http://127.0.0.1:${server.address().port}`));
