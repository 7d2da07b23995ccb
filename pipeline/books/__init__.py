"""The office's books beside the documents: master data kept once (customers, products,
factories, salespeople), the quotation costed, payments and the statement of account, and
samples sent. Files in the workspace people can read and edit; the rules are pure.
"""
