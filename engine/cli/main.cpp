#include <cstdio>
int main() { std::puts("tracehound: under construction"); return 0; }
