// The loopback server bench/http/client.sh measures clients against: "hello" with keep-alive.
// Prints its port on stdout.
import http from "node:http";
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.end("hello"));
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
