// Subcommand registration. Each file adds its subcommands to the CLI11 tree; main.cpp owns
// parsing and error reporting.
#pragma once

#include <CLI/CLI.hpp>

namespace ig::cli {

void add_image_commands(CLI::App& app);
void add_registry_commands(CLI::App& image);
void add_archive_commands(CLI::App& image);
void add_trust_commands(CLI::App& image);
void add_run_command(CLI::App& app);
void add_login_commands(CLI::App& app);  // ig login, ig logout

}  // namespace ig::cli
