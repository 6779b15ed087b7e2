from dragonfly.cli import main

main()
