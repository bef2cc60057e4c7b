// Command-line and environment parsing for Config. A flag given on the
// command line wins over its HUB_* environment variable, which wins over the
// default. Pure: the environment is passed in, so tests need no setenv.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/config/config.h"

namespace hub {

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The process environment.
EnvLookup ProcessEnv();

struct ParsedCommandLine {
  Config config;
  bool show_help = false;
};

// Parses `--name value` and `--name=value` forms. Errors name the flag (or
// its environment variable) and the rejected value.
absl::StatusOr<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                                   const EnvLookup& env);

// `hub --help`: every flag with its environment variable, default and meaning.
std::string HelpText();

}  // namespace hub
