// The `picnic` command line. Subcommands live in their own files; exit codes
// are 0 (ok), 1 (a file failed) and 2 (usage error).
#include <csignal>
#include <cstdio>
#include <exception>

#include "command.h"

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) write() then fails with EFBIG, which
  // is reported and cleaned up like a full disk, instead of killing picnic
  // with its temporary file left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  CliContext ctx;
  CLI::App app("picnic: lossless image compression with a learned (PixelCNN++) "
               "probability model",
               "picnic");
  app.set_version_flag("--version", std::string("picnic ") + picnic::VersionString());
  app.require_subcommand(1);
  // Global flags may come after the subcommand too: picnic compress x.png -v
  app.fallthrough();
  bool quiet = false;
  bool verbose = false;
  app.add_flag("-q,--quiet", quiet, "Print nothing but errors");
  app.add_flag("-v,--verbose", verbose, "Print a line per file (size, bits/subpixel, time)");
  app.footer(
      "Examples:\n"
      "  picnic compress photo.png          # writes photo.pnc\n"
      "  picnic decompress photo.pnc -o copy.png\n"
      "  picnic info photo.pnc\n"
      "Run 'picnic SUBCOMMAND --help' for the options of each.\n"
      "Exit status: 0 ok, 1 a file failed (see the message on stderr), 2 usage error.");
  // Verbosity must be known before any subcommand callback runs.
  app.parse_complete_callback([&]() { ctx.verbosity = quiet ? 0 : (verbose ? 2 : 1); });

  AddCompressCommand(app, ctx);
  AddDecompressCommand(app, ctx);
  AddInfoCommand(app, ctx);
  AddCompareCommand(app, ctx);
#ifdef PICNIC_WITH_TORCH
  AddTrainCommand(app, ctx);
  AddEvalCommand(app, ctx);
  AddSampleCommand(app, ctx);
  AddReportCommand(app, ctx);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a mistyped subcommand as "a subcommand is required"; name it.
    // (Top-level options are all flags, so the first non-option is the command.)
    if (app.get_subcommands().empty()) {
      std::string commands;
      for (const CLI::App* sub :
           app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
        commands += (commands.empty() ? "" : ", ") + sub->get_name();
      }
      for (int i = 1; i < argc; ++i) {
        if (argv[i][0] == '-') continue;
        std::fprintf(stderr,
                     "picnic: unknown command '%s' (commands: %s)\n"
                     "Run with --help for more information.\n",
                     argv[i], commands.c_str());
        return picnic_cli::kExitUsage;
      }
    }
    app.exit(e);
    return picnic_cli::kExitUsage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "picnic: out of memory\n");
    return picnic_cli::kExitFailure;
  } catch (const std::exception& e) {
    // Errors are values in picnic; reaching here is a bug, but say so plainly.
    std::fprintf(stderr, "picnic: internal error: %s\n", e.what());
    return picnic_cli::kExitFailure;
  }
  return ctx.exit_code;
}
