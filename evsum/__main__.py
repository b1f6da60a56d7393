from evsum.entry import main

main()
