// The server with a Beast client on a plain thread: response framing and the Exchange rules.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "http/service.h"

namespace wirt::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServiceConfig c;
    c.id = "test:svc";
    c.host = "127.0.0.1";
    c.max_body_bytes = 1000;
    c.drain_timeout = std::chrono::milliseconds(200);
    service_ = std::make_unique<Service>(c, &scheduler_, ".");
  }
  void start() {
    auto st = service_->start();
    ASSERT_TRUE(st) << st.error().message();
  }
  bhttp::response<bhttp::string_body> request(bhttp::verb verb, std::string target, std::string body = "",
                                              int version = 11) {
    asio::io_context io;
    tcp::socket sock(io);
    sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), service_->port()));
    bhttp::request<bhttp::string_body> req(verb, target, version);
    req.set(bhttp::field::host, "x");
    req.body() = body;
    req.prepare_payload();
    bhttp::write(sock, req);
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    beast::error_code ec;
    bhttp::read(sock, buf, res, ec);
    EXPECT_FALSE(ec && ec != bhttp::error::end_of_stream) << ec.message();
    return res;
  }
  sched::Scheduler scheduler_{sched::SchedulerOptions{2}};
  std::unique_ptr<Service> service_;
};

TEST_F(ServerTest, BufferedBodyGoesWithContentLength) {
  ASSERT_TRUE(service_->routes().add("GET", "/b", "t", [](Exchange& ex) {
    (void)ex.buffer("hello ");
    (void)ex.buffer("world");
  }));
  start();
  auto res = request(bhttp::verb::get, "/b");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::content_length], "11");
  EXPECT_FALSE(res.chunked());
  EXPECT_EQ(res.body(), "hello world");
}

TEST_F(ServerTest, WrittenBodyIsChunkedWithTrailers) {
  ASSERT_TRUE(service_->routes().add("GET", "/c", "t", [](Exchange& ex) {
    (void)ex.write("a");
    (void)ex.write("bc");
    (void)ex.finish({{"X-Sum", "3"}});
  }));
  start();
  auto res = request(bhttp::verb::get, "/c");
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res.body(), "abc");
  EXPECT_EQ(res["X-Sum"], "3");  // trailer fields land among the fields
}

TEST_F(ServerTest, Http10StreamIsCloseDelimited) {
  ASSERT_TRUE(service_->routes().add("GET", "/s", "t", [](Exchange& ex) { (void)ex.write("streamed"); }));
  start();
  auto res = request(bhttp::verb::get, "/s", "", 10);
  EXPECT_EQ(res.version(), 10);
  EXPECT_FALSE(res.chunked());
  EXPECT_EQ(res.body(), "streamed");
}

TEST_F(ServerTest, HeadChangesFailAfterTheHeadWasSent) {
  std::string second;
  ASSERT_TRUE(service_->routes().add("GET", "/h", "t", [&](Exchange& ex) {
    (void)ex.write("x");
    auto st = ex.set_status(500);
    second = st ? "ok" : st.error().message();
  }));
  start();
  EXPECT_EQ(request(bhttp::verb::get, "/h").result_int(), 200);
  EXPECT_EQ(second, "headers already sent");
}

TEST_F(ServerTest, BodyReadInPiecesAndOverLimitIs413) {
  ASSERT_TRUE(service_->routes().add("POST", "/r", "t", [](Exchange& ex) {
    std::string all;
    for (;;) {
      auto piece = ex.read_body(7);
      if (!piece) {
        (void)ex.buffer(piece.error().message());
        return;
      }
      if (piece->empty()) break;
      EXPECT_LE(piece->size(), 7u);
      all += *piece;
    }
    (void)ex.buffer(std::to_string(all.size()));
  }));
  start();
  EXPECT_EQ(request(bhttp::verb::post, "/r", std::string(500, 'x')).body(), "500");
  EXPECT_EQ(request(bhttp::verb::post, "/r", std::string(1500, 'x')).result_int(), 413);
}

TEST_F(ServerTest, ChunkedRequestTrailersAfterTheBody) {
  ASSERT_TRUE(service_->routes().add("POST", "/t", "t", [](Exchange& ex) {
    std::string body;
    for (auto piece = ex.read_body(100); piece && !piece->empty(); piece = ex.read_body(100)) body += *piece;
    const std::string* sum = find_field(ex.request_trailers(), "x-checksum");
    (void)ex.buffer(body + "|" + (sum ? *sum : "none") + "|" + std::to_string(ex.request_trailers().size()));
  }));
  start();
  asio::io_context io;
  tcp::socket sock(io);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), service_->port()));
  std::string raw =
      "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\nX-Checksum: 42\r\n\r\n";
  asio::write(sock, asio::buffer(raw));
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(sock, buf, res);
  EXPECT_EQ(res.body(), "abcde|42|1");
}

TEST_F(ServerTest, InterimOrBogusStatusRefused) {
  std::string err;
  ASSERT_TRUE(service_->routes().add("GET", "/s", "t", [&](Exchange& ex) {
    auto st = ex.set_status(101);
    err = st ? "" : st.error().message();
  }));
  start();
  EXPECT_EQ(request(bhttp::verb::get, "/s").result_int(), 200);
  EXPECT_EQ(err, "invalid status code 101 (200-599)");
}

TEST_F(ServerTest, StopWithoutStartAndTwiceIsHarmless) {
  service_->stop();
  start();
  service_->stop();
  service_->stop();
}

}  // namespace
}  // namespace wirt::http
