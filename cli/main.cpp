// Entry point: parses the command line and turns every failure into one line on stderr and a
// non-zero exit code. Only this file prints errors.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "util/error.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Collection of gadgets for troubleshooting Linux systems", "ig"};
  app.require_subcommand(1);
  app.fallthrough();  // subcommands inherit it: --config and -v work after their name too
  ig::cli::Configuration config(app);

  auto* version = app.add_subcommand("version", "Show version");
  version->callback([] { std::cout << "ig version " << IG_VERSION << "\n"; });

  ig::cli::add_image_commands(app, config);
  ig::cli::add_run_command(app, config);
  ig::cli::add_daemon_command(app, config);
  ig::cli::add_instance_commands(app);
  ig::cli::add_login_commands(app, config);
  ig::cli::add_list_containers_command(app, config);
  config.add_command(app);
  ig::cli::add_completion_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // the command already reported what happened
  } catch (const CLI::ParseError& e) {
    // --help (of any subcommand) arrives here too; exit() prints the selected command's help.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "Error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const ig::Error& e) {
    if (e.code() == ig::ErrorCode::Interrupted) return kExitInterrupted;
    std::cerr << "Error: " << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return kExitFailure;
  }
  return 0;
}
