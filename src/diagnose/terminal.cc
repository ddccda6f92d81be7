#include "diagnose/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace portico::diagnose {

TextOptions terminalOptions(Color color, int width, bool toStdout) {
  TextOptions o;
  const bool tty = toStdout && isatty(STDOUT_FILENO) == 1;
  const char* noColor = std::getenv("NO_COLOR");
  o.color = color == Color::Always || (color == Color::Auto && tty && !(noColor && *noColor));
  o.width = width > 0 ? width : 80;
  if (width <= 0 && tty) {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      o.width = std::clamp<int>(ws.ws_col, 60, 160);
  }
  return o;
}

std::time_t parseRfc3339(std::string_view s) {
  std::tm tm{};
  char z = 0;
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z') {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

}  // namespace portico::diagnose
