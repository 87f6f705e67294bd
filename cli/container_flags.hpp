// -r/--runtimes and the runtime socket flags, shared by `ig run` and `ig list-containers`
// (upstream's localmanager operator: configuration keys operator.localmanager.<flag>).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/config.hpp"
#include "runner/enrich/container_cache.hpp"

namespace ig::cli {

void add_container_source_flags(CLI::App& cmd, runner::enrich::SourceOptions& sources,
                                Configuration& config);

}  // namespace ig::cli
