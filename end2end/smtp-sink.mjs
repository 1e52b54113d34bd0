// A local SMTP server for the browser journeys (RFC 5321: EHLO, MAIL, RCPT, DATA with
// dot-unstuffing, RSET, NOOP, QUIT). It keeps every message it accepts and lists them as
// JSON over HTTP (GET /messages), so a journey can check that an alert's email arrived.
// Node's standard library only: nothing to install.
import net from "node:net";
import http from "node:http";

const smtpPort = Number(process.env.SMTP_PORT ?? 3138);
const httpPort = Number(process.env.SMTP_HTTP_PORT ?? 3139);
const messages = [];

const address = (line) => (line.match(/<([^>]*)>/) ?? [, ""])[1];

net
  .createServer((socket) => {
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let data = "";
    let from = "";
    let to = [];
    const reply = (s) => socket.write(`${s}\r\n`);
    reply("220 journey-smtp ready");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            messages.push({ from, to, data, at: new Date().toISOString() });
            reply("250 OK queued");
          } else {
            data += `${line.startsWith(".") ? line.slice(1) : line}\r\n`;
          }
          continue;
        }
        const verb = line.split(/[ :]/)[0].toUpperCase();
        if (verb === "EHLO") socket.write("250-journey-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
        else if (verb === "HELO" || verb === "NOOP") reply("250 OK");
        else if (verb === "RSET") {
          from = "";
          to = [];
          reply("250 OK");
        } else if (verb === "MAIL") {
          from = address(line);
          to = [];
          reply("250 OK");
        } else if (verb === "RCPT") {
          to.push(address(line));
          reply("250 OK");
        } else if (verb === "DATA") {
          inData = true;
          data = "";
          reply("354 end with <CRLF>.<CRLF>");
        } else if (verb === "QUIT") {
          reply("221 bye");
          socket.end();
        } else reply("502 command not implemented");
      }
    });
    socket.on("error", () => {});
  })
  .listen(smtpPort, "127.0.0.1");

http
  .createServer((req, res) => {
    if (req.url === "/healthz") {
      res.end("ok");
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(messages));
  })
  .listen(httpPort, "127.0.0.1");
