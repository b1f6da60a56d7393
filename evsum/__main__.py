from evsum.cli import main

main()
