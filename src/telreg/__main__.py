from telreg.cli import main

main()
