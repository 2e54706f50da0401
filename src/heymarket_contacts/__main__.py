from heymarket_contacts.cli import main

main()
