"""`python -m docqa` runs the docqa command."""

from docqa.cli import main

main()
