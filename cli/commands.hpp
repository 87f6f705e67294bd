// Subcommand registration. Each file adds its subcommands to the CLI11 tree; main.cpp owns
// parsing and error reporting.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/config.hpp"

namespace ig::cli {

// Flags that have a configuration key are bound to it through `config`.
void add_image_commands(CLI::App& app, Configuration& config);
void add_registry_commands(CLI::App& image, Configuration& config);
void add_archive_commands(CLI::App& image);
void add_trust_commands(CLI::App& image, Configuration& config);
void add_run_command(CLI::App& app, Configuration& config);
void add_daemon_command(CLI::App& app, Configuration& config);  // ig daemon
void add_instance_commands(CLI::App& app);  // ig list, attach, delete (of a daemon's instances)
void add_login_commands(CLI::App& app, Configuration& config);  // ig login, ig logout
void add_list_containers_command(CLI::App& app, Configuration& config);
void add_completion_commands(CLI::App& app);  // ig completion SHELL, the hidden ig __complete

}  // namespace ig::cli
