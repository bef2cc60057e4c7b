// Command-line flags of the load generator (--name value pairs).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bench {

struct Options {
  std::string server = "hub";    // label in the output
  std::string scenario = "connect";  // connect | broadcast | rooms | emitto | publish | overload | hold | inbound
  std::string host = "127.0.0.1";
  int port = 0;                  // Socket.IO port
  int port2 = 0;                 // second replica's Socket.IO port: odd clients go there
  std::string grpc;              // host:port of hub.v1 (the hub or the reference bridge)
  std::string control;           // host:port: reference in-process trigger; empty for the hub
  std::string admin;             // host:port of the hub's admin listener (/metrics); empty: none
  int pid = 0;                   // server process for /proc figures
  int pid2 = 0;                  // second replica: its CPU is added to the server's
  int clients = 1000;
  bool polling = false;
  bool upgrade = false;          // start on polling, then upgrade (see PoolOptions::upgrade)
  int sources = 8;
  int max_connecting = 1000;
  int read_interval_us = 0;      // see PoolOptions::read_interval_us
  std::vector<double> rates;     // deliveries/s, ramp steps
  bool stop_on_fail = true;
  bool half_rate = true;         // after a ramp, run at half the max sustained rate
  double step_s = 2;             // per ramp step; broadcast steps hold two broadcasts at least
  double grace_s = 1.5;          // after the trigger stops, time for stragglers
  double idle_s = 2;              // connect: settling time; hold: how long clients are held
  double broadcast_after_s = -1;  // hold: one broadcast to everyone this far into the hold (<0: none)
  double seconds = 3;            // floods, overload broadcasting
  double broadcasts_per_s = 1000;  // overload: broadcasts to every client
  double stall_fraction = 0.1;   // overload: clients that stop reading once connected
  double drain_s = 4;            // overload: time the stalled clients get to read again at the end
  int stall_mss = 0;             // overload: TCP_MAXSEG of the stalled clients (0: loopback's)
  int in_flight = 64;            // EmitTo unary calls in flight
  size_t payload = 100;
  int rooms = 1000;
  bool unary = false;            // hub: paced broadcasts as unary Broadcast calls
  std::string tag;               // scenario label in the output (default: scenario)
  // Ramps: a shell command run before every step at `floor_rate` (run.sh
  // measures the send() floor there, so that each step has the floor of its
  // own moment); its output joins the load generator's.
  std::string floor_cmd;
  double floor_rate = -1;
};

inline std::vector<double> ParseList(const std::string& text) {
  std::vector<double> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(std::atof(text.substr(start, comma - start).c_str()));
    start = comma + 1;
  }
  return out;
}

inline Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--server") o.server = v;
    else if (k == "--scenario") o.scenario = v;
    else if (k == "--host") o.host = v;
    else if (k == "--port") o.port = std::atoi(v.c_str());
    else if (k == "--grpc") o.grpc = v;
    else if (k == "--control") o.control = v;
    else if (k == "--admin") o.admin = v;
    else if (k == "--pid") o.pid = std::atoi(v.c_str());
    else if (k == "--port2") o.port2 = std::atoi(v.c_str());
    else if (k == "--pid2") o.pid2 = std::atoi(v.c_str());
    else if (k == "--clients") o.clients = std::atoi(v.c_str());
    else if (k == "--polling") o.polling = v == "1" || v == "true";
    else if (k == "--upgrade") o.upgrade = v == "1" || v == "true";
    else if (k == "--sources") o.sources = std::atoi(v.c_str());
    else if (k == "--max_connecting") o.max_connecting = std::atoi(v.c_str());
    else if (k == "--read_interval_us") o.read_interval_us = std::atoi(v.c_str());
    else if (k == "--rates") o.rates = ParseList(v);
    else if (k == "--stop_on_fail") o.stop_on_fail = v == "1" || v == "true";
    else if (k == "--half_rate") o.half_rate = v == "1" || v == "true";
    else if (k == "--step_s") o.step_s = std::atof(v.c_str());
    else if (k == "--grace_s") o.grace_s = std::atof(v.c_str());
    else if (k == "--idle_s") o.idle_s = std::atof(v.c_str());
    else if (k == "--broadcast_after_s") o.broadcast_after_s = std::atof(v.c_str());
    else if (k == "--seconds") o.seconds = std::atof(v.c_str());
    else if (k == "--broadcasts_per_s") o.broadcasts_per_s = std::atof(v.c_str());
    else if (k == "--stall_fraction") o.stall_fraction = std::atof(v.c_str());
    else if (k == "--drain_s") o.drain_s = std::atof(v.c_str());
    else if (k == "--stall_mss") o.stall_mss = std::atoi(v.c_str());
    else if (k == "--in_flight") o.in_flight = std::atoi(v.c_str());
    else if (k == "--payload") o.payload = static_cast<size_t>(std::atoi(v.c_str()));
    else if (k == "--rooms") o.rooms = std::atoi(v.c_str());
    else if (k == "--tag") o.tag = v;
    else if (k == "--unary") o.unary = v == "1" || v == "true";
    else if (k == "--floor_cmd") o.floor_cmd = v;
    else if (k == "--floor_rate") o.floor_rate = std::atof(v.c_str());
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      std::exit(2);
    }
  }
  if (o.tag.empty()) o.tag = o.scenario;
  return o;
}

}  // namespace bench
