// Preloaded with `node --require` by tests: at exit, writes the files of every CommonJS module
// the process loaded, one per line, to $LOADED_MODULES_FILE.
// A preload script for plain node, so CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join('\n'));
});
