// Starts cors-anywhere for the side-by-side proxy benchmark
// (../proxy_test.go) with the options its README recommends, on
// 127.0.0.1 and the port given as the first argument. It prints
// "listening" once it accepts connections.
'use strict';
const corsAnywhere = require('cors-anywhere');
const port = Number(process.argv[2] || 0);
const server = corsAnywhere.createServer({
  originWhitelist: [],
  requireHeader: ['origin', 'x-requested-with'],
  removeHeaders: ['cookie', 'cookie2'],
});
server.listen(port, '127.0.0.1', () => {
  console.log('listening ' + server.address().port);
});
