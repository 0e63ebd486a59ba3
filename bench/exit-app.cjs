// Bench app for the exit time: reads one short SSE stream from SSE_URL with fetch, prints `done`, then
// lets the event loop empty (a normal exit). Run with and without `--require midstream-otel/register`.
async function main() {
  const res = await fetch(process.env.SSE_URL);
  for await (const chunk of res.body) void chunk;
  console.log('done');
}
void main();
