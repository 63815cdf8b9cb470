from chunkcli.cli import main

main()
