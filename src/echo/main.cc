// Placeholder for portico-echo.
int main() { return 0; }
